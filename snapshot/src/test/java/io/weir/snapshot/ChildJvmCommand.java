package io.weir.snapshot;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The command line of a child JVM for tests that run code in a process of their own: this JVM's {@code java}, the
 * options this JVM was started with that {@code inherited} accepts (module flags, system properties), then
 * {@code jvmOptions}, this JVM's classpath, {@code mainClass} and {@code args}.
 */
public final class ChildJvmCommand
{
    private ChildJvmCommand()
    {
    }

    /**
     * @param argument an option this JVM was started with.
     * @return whether it sets the default locale ({@code -Duser.language=}, {@code -Duser.extensions=} and the like),
     * which a child must share for a test to see what it prints under that locale.
     */
    public static boolean isLocaleOption(final String argument)
    {
        return argument.matches(
            "-Duser\\.(language|country|region|script|variant|extensions)(\\.(format|display))?=.*");
    }

    /**
     * @return the options of this JVM that set its default locale, for a child started by other means.
     */
    public static List<String> localeOptions()
    {
        final List<String> options = new ArrayList<>();
        for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (isLocaleOption(argument))
            {
                options.add(argument);
            }
        }
        return options;
    }

    public static List<String> of(
        final Predicate<String> inherited, final List<String> jvmOptions, final Class<?> mainClass,
        final List<String> args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (inherited.test(argument))
            {
                command.add(argument);
            }
        }
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        return command;
    }
}
