package io.weir.tools;

import io.weir.tools.cli.WeirCli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts {@code weir} in a child JVM with this JVM's classpath and module flags, output to a log file. */
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
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (argument.startsWith("--add-") || argument.startsWith("-Dchronicle"))
            {
                command.add(argument);
            }
        }
        command.add("-Xmx512m");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(WeirCli.class.getName());
        command.addAll(args);
        return new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    }
}
