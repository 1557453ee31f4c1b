package io.weir.tools.snapshot;

import io.weir.snapshot.SnapshotCorruptException;
import io.weir.tools.cli.UsageException;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * {@code weir snapshot SUBCOMMAND ...}: inspects checkpoints and savepoints offline, reading them with the
 * snapshot module's own readers. Never modifies a checkpoint. Usage errors throw {@link UsageException} (one line,
 * exit 2, printed by {@code WeirCli}); a missing, incomplete or corrupt checkpoint is exit 1 with a one-line message
 * naming the file and, where known, the byte offset (the stack trace too when {@code WEIR_VERBOSE} is set).
 */
public final class SnapshotCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir snapshot SUBCOMMAND ARGS [OPTIONS]",
        "",
        "Inspects checkpoints and savepoints offline; never modifies them.",
        "",
        "  list DIR                           every checkpoint and savepoint under the checkpoint root DIR",
        "  show CHECKPOINT                    the manifest: states, shards, files, sources, watermarks, properties",
        "  verify CHECKPOINT|DIR              checksums, sizes and chain links; exit 1 listing every problem",
        "  dump CHECKPOINT [--state NAME] [--key-group G] [--key K] [--format csv|json]",
        "                                     resolved, decoded entries",
        "  diff CHECKPOINT_A CHECKPOINT_B [--limit N]",
        "                                     keys added, removed and changed, per state",
        "",
        "CHECKPOINT is a chk-NNNNNNNNNN or savepoint-NNNNNNNNNN directory, its MANIFEST, or DIR --id N.",
        "'weir snapshot SUBCOMMAND --help' explains a subcommand.",
        "");

    private SnapshotCommand()
    {
    }

    /**
     * Runs a subcommand.
     *
     * @param args the arguments after {@code snapshot}.
     * @return the exit code: 0 success, 1 failure (message on {@code err}).
     * @throws UsageException for a malformed command line (exit 2).
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        if (args.length == 0)
        {
            throw new UsageException("weir snapshot: expected a subcommand: list, show, verify, dump or diff " +
                "(see 'weir snapshot --help')");
        }
        if (args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help"))
        {
            out.print(USAGE);
            return 0;
        }
        final String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try
        {
            switch (args[0])
            {
                case "list":
                    return ListCommand.run(rest, out);
                case "show":
                    return ShowCommand.run(rest, out);
                case "verify":
                    return VerifyCommand.run(rest, out, err);
                case "dump":
                    return DumpCommand.run(rest, out);
                case "diff":
                    return DiffCommand.run(rest, out);
                default:
                    throw new UsageException("weir snapshot: unknown subcommand '" + args[0] +
                        "'; subcommands: list, show, verify, dump, diff");
            }
        }
        catch (final UsageException ex)
        {
            throw ex;
        }
        catch (final SnapshotToolException | SnapshotCorruptException | UncheckedIOException ex)
        {
            return fail(args[0], ex.getMessage(), ex, err, out);
        }
        catch (final RuntimeException | OutOfMemoryError | StackOverflowError ex)
        {
            // Anything else a damaged file provokes is still reported in one line; the trace only on request.
            return fail(args[0], "failed: " + ex, ex, err, out);
        }
    }

    /** Whether stack traces are printed: WEIR_VERBOSE set in the environment. */
    static boolean verbose()
    {
        return System.getenv("WEIR_VERBOSE") != null;
    }

    private static int fail(
        final String subcommand, final String message, final Throwable ex, final PrintStream err, final PrintStream out)
    {
        out.flush();
        final String text = String.valueOf(message).replace("\n", "; ");
        err.println(text.startsWith("weir snapshot") ? text : "weir snapshot " + subcommand + ": " + text);
        if (verbose())
        {
            ex.printStackTrace(err);
        }
        return 1;
    }
}
