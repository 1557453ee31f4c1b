package io.weir.tools;

import io.weir.snapshot.ChildJvmCommand;
import io.weir.tools.cli.WeirCli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@code weir}, or another main class of this classpath, in a child JVM with this JVM's classpath, module
 * flags, Chronicle properties and default locale, output appended to a log file.
 */
final class ChildJvm
{
    private ChildJvm()
    {
    }

    static Process start(final Path log, final List<String> args) throws IOException
    {
        return start(log, List.of(), args);
    }

    /** With extra JVM options, such as system properties, before the main class. */
    static Process start(final Path log, final List<String> jvmOptions, final List<String> args) throws IOException
    {
        return start(log, jvmOptions, WeirCli.class, args);
    }

    /** {@code mainClass} instead of {@code weir}. */
    static Process start(final Path log, final Class<?> mainClass, final List<String> args) throws IOException
    {
        return start(log, List.of(), mainClass, args);
    }

    private static Process start(
        final Path log, final List<String> jvmOptions, final Class<?> mainClass, final List<String> args)
        throws IOException
    {
        final List<String> options = new ArrayList<>();
        options.add("-Xmx512m");
        options.addAll(jvmOptions);
        final List<String> command = ChildJvmCommand.of(
            argument -> argument.startsWith("--add-") || argument.startsWith("-Dchronicle") ||
                ChildJvmCommand.isLocaleOption(argument), options, mainClass, args);
        return new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    }
}
