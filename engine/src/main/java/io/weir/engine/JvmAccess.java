package io.weir.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The JVM access Weir's libraries need on Java 17 (Agrona's {@code UnsafeApi}, Chronicle Map's off-heap access and
 * runtime compiler, lmdbjava), checked once before the first job is wired so that a JVM started without it fails
 * with one message naming the missing flags, instead of an {@code IllegalAccessError} from deep inside a library.
 * <p>
 * The list is the resource {@value #FLAGS_RESOURCE} of this jar: {@code --add-exports} and {@code --add-opens}
 * flags, whitespace-separated, that a launcher or build tool can pass to {@code java} as they are. An executable
 * jar can carry the same access in its manifest ({@code Add-Exports}, {@code Add-Opens}).
 * <p>
 * Flags naming a module this runtime does not have are skipped (a runtime without {@code jdk.compiler} can still
 * run jobs on the heap or LMDB backends). When Weir itself is loaded as a named module, the check is skipped:
 * the flags would then name that module instead of {@code ALL-UNNAMED}. Thread-safe.
 */
public final class JvmAccess
{
    /** Class path resource holding the flags, in {@code java} command line form. */
    public static final String FLAGS_RESOURCE = "META-INF/weir/jvm.flags";

    private static volatile boolean verified;

    private JvmAccess()
    {
    }

    /**
     * The flags Weir needs, as listed in {@value #FLAGS_RESOURCE}.
     *
     * @return the flags, in {@code java} command line form, e.g. {@code --add-opens=java.base/java.nio=ALL-UNNAMED}.
     * @throws IllegalStateException if the resource is missing from the class path.
     */
    public static List<String> requiredFlags()
    {
        try (InputStream in = JvmAccess.class.getClassLoader().getResourceAsStream(FLAGS_RESOURCE))
        {
            if (in == null)
            {
                throw new IllegalStateException(FLAGS_RESOURCE + " is missing from the class path of " +
                    JvmAccess.class.getName() + " (it is part of the weir-engine jar)");
            }
            final String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            return text.isEmpty() ? List.of() : List.of(text.split("\\s+"));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + FLAGS_RESOURCE, ex);
        }
    }

    /**
     * The required flags this JVM was started without.
     *
     * @return the missing flags in the order of {@link #requiredFlags()}; empty when every access is granted.
     */
    public static List<String> missingFlags()
    {
        final Module weir = JvmAccess.class.getModule();
        if (weir.isNamed())
        {
            return List.of();
        }
        final List<String> missing = new ArrayList<>();
        for (final String flag : requiredFlags())
        {
            final boolean opens = flag.startsWith("--add-opens=");
            if (!opens && !flag.startsWith("--add-exports="))
            {
                continue;
            }
            final String target = flag.substring(flag.indexOf('=') + 1);
            final int slash = target.indexOf('/');
            final int equals = target.indexOf('=');
            if (slash < 0 || equals < slash)
            {
                throw new IllegalStateException(FLAGS_RESOURCE + ": malformed flag '" + flag + "'");
            }
            final Optional<Module> module = ModuleLayer.boot().findModule(target.substring(0, slash));
            final String packageName = target.substring(slash + 1, equals);
            if (module.isPresent() && module.get().getPackages().contains(packageName) &&
                !(opens ? module.get().isOpen(packageName, weir) : module.get().isExported(packageName, weir)))
            {
                missing.add(flag);
            }
        }
        return missing;
    }

    /**
     * Fail unless this JVM grants every access in {@value #FLAGS_RESOURCE}; after the first success it returns at
     * once. Called before a job is wired.
     *
     * @throws IllegalStateException naming the missing flags and where the full list lives.
     */
    public static void ensureAccess()
    {
        if (verified)
        {
            return;
        }
        final List<String> missing = missingFlags();
        if (!missing.isEmpty())
        {
            throw new IllegalStateException(missingMessage(missing));
        }
        verified = true;
    }

    /**
     * The message {@link #ensureAccess()} fails with.
     *
     * @param missing the flags this JVM lacks.
     * @return one line naming them and where the full list lives.
     */
    public static String missingMessage(final List<String> missing)
    {
        return "Weir needs JVM access this JVM was started without; add to the java command line: " +
            String.join(" ", missing) + " (the full list is " + FLAGS_RESOURCE + " in the weir-engine jar: " +
            "see README.md, 'Use it from Maven')";
    }
}
