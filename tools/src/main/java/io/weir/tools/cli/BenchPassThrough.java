package io.weir.tools.cli;

import io.weir.tools.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code weir bench}: hands its arguments, exactly as given, to {@link BenchCommand}, which parses them (and
 * {@code --help}) itself.
 */
@Command(
    name = "bench",
    customSynopsis = "weir bench [OPTIONS]",
    header = "throughput and latency of the benchmark workload (docs/benchmarks.md)",
    description = "'weir bench --help' lists its options.")
final class BenchPassThrough implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    /** Everything after {@code bench}; read again from the original arguments, where a {@code --} is kept. */
    @Unmatched
    private List<String> arguments;

    private final PrintStream out;
    private final PrintStream err;

    BenchPassThrough(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
    }

    /** The {@code bench} command: every argument from the first on is left to {@link BenchCommand}. */
    static CommandLine commandLine(final CommandLine.IFactory factory)
    {
        return new CommandLine(BenchPassThrough.class, factory).setStopAtUnmatched(true);
    }

    @Override
    public Integer call() throws Exception
    {
        final List<String> original = spec.commandLine().getParseResult().originalArgs();
        final List<String> rest = original.subList(original.indexOf(spec.name()) + 1, original.size());
        return BenchCommand.run(rest.toArray(String[]::new), out, err);
    }
}
