package io.weir.state.offheap;

import net.openhft.chronicle.hash.VanillaGlobalMutableState;
import net.openhft.chronicle.values.Values;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The native class of Chronicle Map's header ({@code VanillaGlobalMutableState$$Native}) is shipped compiled, so
 * that creating a map does not run javac: it is loaded from the build's classes, and its source is what Chronicle
 * Values generates for the libraries in use.
 */
class ChronicleNativeClassesTest
{
    private static final Path SOURCE =
        Path.of("src/main/java/net/openhft/chronicle/hash/VanillaGlobalMutableState$$Native.java");

    @Test
    void theMapHeaderClassIsLoadedNotCompiled()
    {
        final Class<?> nativeClass = Values.nativeClassFor(VanillaGlobalMutableState.class);
        assertEquals("net.openhft.chronicle.hash.VanillaGlobalMutableState$$Native", nativeClass.getName());
        final CodeSource codeSource = nativeClass.getProtectionDomain().getCodeSource();
        assertNotNull(codeSource == null ? null : codeSource.getLocation(),
            "a class compiled at run time has no code source: " + nativeClass);
    }

    @Test
    void theShippedSourceIsWhatChronicleValuesGenerates() throws Exception
    {
        final String generated = generate();
        final String shipped = Files.readString(SOURCE, StandardCharsets.UTF_8).replaceFirst("(?s)^(//[^\n]*\n)+", "");
        if (!generated.equals(shipped))
        {
            final Path fresh = Path.of("target", "VanillaGlobalMutableState$$Native.java");
            Files.writeString(fresh, generated, StandardCharsets.UTF_8);
            throw new AssertionError(SOURCE + " is not what this Chronicle Values generates for this Chronicle Map" +
                " (another version?): replace its code below the comment with " + fresh.toAbsolutePath());
        }
    }

    /**
     * Chronicle Values' own generator, which is package-private: {@code Generators.generateNativeClass}. It cases
     * accessor names in the default locale (under tr-TR it writes {@code readİnt}, which does not compile), so it
     * runs here under {@link Locale#ROOT}. Because the class ships compiled, creating a map never runs this generator,
     * whatever the locale.
     */
    private static String generate() throws Exception
    {
        final Locale before = Locale.getDefault();
        Locale.setDefault(Locale.ROOT);
        try
        {
            return runGenerator();
        }
        finally
        {
            Locale.setDefault(before);
        }
    }

    private static String runGenerator() throws Exception
    {
        final Class<?> valueModel = Class.forName("net.openhft.chronicle.values.ValueModel");
        final Method acquire = valueModel.getDeclaredMethod("acquire", Class.class);
        acquire.setAccessible(true);
        final Object model = acquire.invoke(null, VanillaGlobalMutableState.class);
        final Method simpleName = valueModel.getDeclaredMethod("simpleName");
        simpleName.setAccessible(true);
        final Method generator = Class.forName("net.openhft.chronicle.values.Generators")
            .getDeclaredMethod("generateNativeClass", valueModel, String.class);
        generator.setAccessible(true);
        return (String)generator.invoke(null, model, simpleName.invoke(model) + "$$Native");
    }
}
