package io.weir.tools.cli;

import io.weir.tools.common.Conventions;
import io.weir.tools.demo.DemoCommand;
import io.weir.tools.nexmark.NexmarkCommand;
import io.weir.tools.plot.PlotCommand;
import io.weir.tools.snapshot.SnapshotCommand;
import io.weir.tools.stat.StatCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The {@code weir} command line, parsed by picocli: dispatches to a command; prints usage errors as one line on
 * standard error (exit 2), help on standard output (exit 0), failures as one line and their causes on standard
 * error (exit 1).
 */
@Command(
    name = "weir",
    customSynopsis = "weir COMMAND [OPTIONS]",
    description = "Weir: single-node stateful stream processing, thread-per-core, off-heap keyed state.",
    footer = {
        "%nOptions may come before or after positional arguments; '--' ends them.",
        "Help goes to standard output, errors to standard error.",
        "Exit codes: 0 success, 1 failure (bad input, a failed job), 2 usage error."},
    versionProvider = WeirCli.Version.class)
public final class WeirCli implements Callable<Integer>
{
    /** The commands, in the order help lists them. */
    private static final List<String> COMMANDS =
        List.of("job", "snapshot", "demo", "bench", "nexmark", "stat", "plot", "help");

    @Spec
    private CommandSpec spec;

    @CommandLine.Option(names = {"-V", "--version"}, versionHelp = true, description = "the version of weir")
    private boolean versionRequested;

    private final PrintStream err;

    WeirCli(final PrintStream err)
    {
        this.err = err;
    }

    /** Without a command: the usage, on standard error, and exit 2. */
    @Override
    public Integer call()
    {
        spec.commandLine().usage(err);
        return CommandLine.ExitCode.USAGE;
    }

    /**
     * The version this CLI was built as.
     *
     * @return the Maven project version, e.g. {@code 0.1.0}.
     */
    public static String version()
    {
        try (java.io.InputStream in = WeirCli.class.getResourceAsStream("/weir-version.txt"))
        {
            if (in == null)
            {
                throw new IllegalStateException("weir-version.txt is missing from the class path of " +
                    WeirCli.class.getName());
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException("cannot read weir-version.txt", ex);
        }
    }

    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /** Run a command; returns the exit code. */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final CommandLine commandLine = commandLine(out, err, args.length == 0 ? null : args[0]);
        try
        {
            return commandLine.execute(args);
        }
        finally
        {
            commandLine.getOut().flush();
            commandLine.getErr().flush();
        }
    }

    /**
     * The whole command tree, printing to {@code out} and {@code err}. Commands get the streams through their
     * {@code (PrintStream out, PrintStream err)} constructor.
     *
     * @return a command line ready to {@link CommandLine#execute execute}; used once.
     */
    public static CommandLine commandLine(final PrintStream out, final PrintStream err)
    {
        return commandLine(out, err, null);
    }

    /**
     * @param first the first argument: when it names a command, only that command is built (picocli reads each
     *              command's annotations as it builds it, which is most of its start-up time); with
     *              {@code --version}, none; otherwise all, for the list of commands in help and errors.
     */
    private static CommandLine commandLine(final PrintStream out, final PrintStream err, final String first)
    {
        final CommandLine.IFactory factory = new StreamsFactory(out, err);
        final CommandLine commandLine = new CommandLine(new WeirCli(err), factory);
        final boolean versionOnly = "--version".equals(first) || "-V".equals(first);
        final boolean all = !versionOnly && (null == first || !COMMANDS.contains(first) || "help".equals(first));
        for (final String name : COMMANDS)
        {
            if (all || name.equals(first))
            {
                commandLine.addSubcommand(command(name, factory));
            }
        }
        return Conventions.apply(commandLine, out, err);
    }

    private static CommandLine command(final String name, final CommandLine.IFactory factory)
    {
        switch (name)
        {
            case "job":
                return new CommandLine(JobCommand.class, factory);
            case "snapshot":
                return new CommandLine(SnapshotCommand.class, factory);
            case "demo":
                return new CommandLine(DemoCommand.class, factory);
            case "bench":
                return BenchPassThrough.commandLine(factory);
            case "nexmark":
                return io.weir.tools.nexmark.NexmarkPassThrough.addTo(new CommandLine(NexmarkCommand.class, factory), factory);
            case "stat":
                return new CommandLine(StatCommand.class, factory);
            case "plot":
                return new CommandLine(PlotCommand.class, factory);
            case "help":
                final CommandLine help = new CommandLine(CommandLine.HelpCommand.class, factory);
                help.getCommandSpec().usageMessage()
                    .header("the help of a command: 'weir help job' is 'weir job --help'");
                return help;
            default:
                throw new IllegalArgumentException("no command " + name);
        }
    }

    /** {@code weir --version}: {@code weir 0.1.0}. */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            return new String[]{"weir " + version()};
        }
    }

    /** Creates commands with the CLI's output streams, other classes (converters, ...) as picocli does. */
    private static final class StreamsFactory implements CommandLine.IFactory
    {
        private final PrintStream out;
        private final PrintStream err;

        StreamsFactory(final PrintStream out, final PrintStream err)
        {
            this.out = out;
            this.err = err;
        }

        @Override
        public <K> K create(final Class<K> type) throws Exception
        {
            final java.lang.reflect.Constructor<K> constructor;
            try
            {
                constructor = type.getDeclaredConstructor(PrintStream.class, PrintStream.class);
            }
            catch (final NoSuchMethodException ex)
            {
                return CommandLine.defaultFactory().create(type);
            }
            constructor.setAccessible(true);
            return constructor.newInstance(out, err);
        }
    }
}
