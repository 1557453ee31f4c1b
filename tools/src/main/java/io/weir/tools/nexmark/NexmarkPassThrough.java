package io.weir.tools.nexmark;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code weir nexmark run} and {@code weir nexmark bench}: hand their arguments, exactly as given, to
 * {@link NexmarkRunCommand} or {@link NexmarkBenchCommand}, which parse them (and {@code --help}) themselves.
 */
public final class NexmarkPassThrough
{
    private NexmarkPassThrough()
    {
    }

    /** Add {@code run} and {@code bench} to the {@code nexmark} command line. */
    public static CommandLine addTo(final CommandLine nexmark, final CommandLine.IFactory factory)
    {
        nexmark.addSubcommand(new CommandLine(Run.class, factory).setStopAtUnmatched(true));
        nexmark.addSubcommand(new CommandLine(Bench.class, factory).setStopAtUnmatched(true));
        return nexmark;
    }

    private static String[] rest(final CommandSpec spec)
    {
        final List<String> original = spec.commandLine().getParseResult().originalArgs();
        final int at = original.indexOf(spec.name());
        return original.subList(at + 1, original.size()).toArray(String[]::new);
    }

    /** {@code weir nexmark run}. */
    @Command(name = "run", customSynopsis = "weir nexmark run QUERY|all --in FILE --out FILE|DIR [OPTIONS]",
        header = "run a query (or all) over an event file", description = "'weir nexmark run --help' lists its options.")
    static final class Run implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Unmatched
        private List<String> arguments;

        private final PrintStream out;

        Run(final PrintStream out, final PrintStream err)
        {
            this.out = out;
        }

        @Override
        public Integer call() throws Exception
        {
            return NexmarkRunCommand.run(rest(spec), out);
        }
    }

    /** {@code weir nexmark bench}. */
    @Command(name = "bench", customSynopsis = "weir nexmark bench QUERY --events N [OPTIONS]",
        header = "a query's throughput from the in-memory generator",
        description = "'weir nexmark bench --help' lists its options.")
    static final class Bench implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Unmatched
        private List<String> arguments;

        private final PrintStream out;

        Bench(final PrintStream out, final PrintStream err)
        {
            this.out = out;
        }

        @Override
        public Integer call() throws Exception
        {
            return NexmarkBenchCommand.run(rest(spec), out);
        }
    }
}
