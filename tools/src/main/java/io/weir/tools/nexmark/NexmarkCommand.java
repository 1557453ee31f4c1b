package io.weir.tools.nexmark;

import io.weir.tools.cli.UsageException;

import java.io.PrintStream;
import java.util.Arrays;

/** {@code weir nexmark SUBCOMMAND}: the Nexmark benchmark's generator (docs/nexmark.md). */
public final class NexmarkCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir nexmark SUBCOMMAND [OPTIONS]",
        "",
        "The Nexmark benchmark (an online auction: persons, auctions, bids), as docs/nexmark.md specifies it.",
        "  gen --events N [--seed S] [--event-rate R] --out FILE   write the event stream as CSV",
        "  run QUERY|all --in FILE --out FILE|DIR [...]              run queries over an event file",
        "  bench QUERY --events N [--shards N] [...]                 measure a query over generated events",
        "",
        "'weir nexmark SUBCOMMAND --help' explains a subcommand.",
        "");

    private NexmarkCommand()
    {
    }

    public static int run(final String[] args, final PrintStream out, final PrintStream err) throws Exception
    {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help"))
        {
            (args.length == 0 ? err : out).print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        final String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (args[0].equals("gen"))
        {
            return NexmarkGenCommand.run(rest, out, err);
        }
        if (args[0].equals("run"))
        {
            return NexmarkRunCommand.run(rest, out);
        }
        if (args[0].equals("bench"))
        {
            return NexmarkBenchCommand.run(rest, out);
        }
        throw new UsageException("weir nexmark: unknown subcommand '" + args[0] + "' (see 'weir nexmark --help')");
    }
}
