package io.weir.tools.cli;

import io.weir.tools.demo.DemoCommand;
import io.weir.tools.snapshot.SnapshotCommand;

import java.io.PrintStream;
import java.util.Arrays;

/** The {@code weir} command line: dispatches to a command; prints usage errors as one line (exit 2). */
public final class WeirCli
{
    static final String USAGE = String.join("\n",
        "Weir: single-node stateful stream processing, thread-per-core, off-heap keyed state.",
        "",
        "Usage: weir COMMAND [OPTIONS]",
        "",
        "Commands:",
        "  demo [--duration-s S] [--rate R]      fraud detection on a generated card stream: alerts, latency, checkpoints",
        "  job NAME --in FILE --out FILE [...]   run a reference job (rolling-sum, dedup, session, tumbling, velocity)",
        "  snapshot list|show|verify|dump|diff   inspect checkpoints and savepoints offline",
        "  bench [OPTIONS]                       throughput and latency of the BENCHMARKS.md workload",
        "  nexmark gen --events N --out FILE     the Nexmark benchmark's event stream (docs/nexmark.md)",
        "  stat [DIR] [--once]                   counters of the jobs running on this machine, every second",
        "  plot FILE... -o OUT.svg               latency plots of .hlog/.hgrm files, several runs overlaid",
        "  --help                                this text; 'weir COMMAND --help' explains a command",
        "");

    private WeirCli()
    {
    }

    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /** Run a command; returns the exit code. */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))
        {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        final String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try
        {
            switch (args[0])
            {
                case "job":
                    return JobCommand.run(rest, out, err);
                case "bench":
                    return io.weir.tools.bench.BenchCommand.run(rest, out, err);
                case "plot":
                    return io.weir.tools.plot.PlotCommand.run(rest, out, err);
                case "demo":
                    return DemoCommand.run(rest, out, err);
                case "snapshot":
                    return SnapshotCommand.run(rest, out, err);
                case "nexmark":
                    return io.weir.tools.nexmark.NexmarkCommand.run(rest, out, err);
                case "stat":
                    return io.weir.tools.stat.StatCommand.run(rest, out, err);
                default:
                    throw new UsageException("unknown command '" + args[0] + "' (see 'weir --help')");
            }
        }
        catch (final UsageException ex)
        {
            final String message = ex.getMessage();
            err.println(message.startsWith("weir") ? message : "weir: " + message);
            return 2;
        }
        catch (final Exception ex)
        {
            err.println("weir " + args[0] + ": failed: " + ex);
            for (Throwable cause = ex.getCause(); cause != null; cause = cause.getCause())
            {
                err.println("  caused by: " + cause);
            }
            if (System.getenv("WEIR_DEBUG") != null)
            {
                ex.printStackTrace(err);
            }
            return 1;
        }
    }
}
