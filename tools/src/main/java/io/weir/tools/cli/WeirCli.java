package io.weir.tools.cli;

import io.weir.tools.demo.DemoCommand;
import io.weir.tools.snapshot.SnapshotCommand;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code weir} command line: dispatches to a command; prints usage errors as one line on standard error
 * (exit 2), help on standard output (exit 0).
 */
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
        "  bench [OPTIONS]                       throughput and latency of the benchmark workload (docs/benchmarks.md)",
        "  nexmark gen --events N --out FILE     the Nexmark benchmark's event stream (docs/nexmark.md)",
        "  stat [DIR] [--once]                   counters of the jobs running on this machine, every second",
        "  plot FILE... -o OUT.svg               latency plots of .hlog/.hgrm files, several runs overlaid",
        "",
        "Options:",
        "  -h, --help                            this text; 'weir COMMAND --help' explains a command",
        "  --version                             the version of weir",
        "",
        "Options may come before or after positional arguments; '--' ends them.",
        "Help goes to standard output, errors to standard error.",
        "Exit codes: 0 success, 1 failure (bad input, a failed job), 2 usage error.",
        "");

    private WeirCli()
    {
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
        if (args.length == 0)
        {
            err.print(USAGE);
            return 2;
        }
        if (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))
        {
            out.print(USAGE);
            return 0;
        }
        if (args[0].equals("--version") || args[0].equals("-V"))
        {
            out.println("weir " + version());
            return 0;
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
            if (System.getenv("WEIR_VERBOSE") != null)
            {
                ex.printStackTrace(err);
            }
            else
            {
                err.println("  (WEIR_VERBOSE=1 prints the stack trace)");
            }
            return 1;
        }
    }
}
