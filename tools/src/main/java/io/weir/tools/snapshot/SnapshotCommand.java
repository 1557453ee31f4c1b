package io.weir.tools.snapshot;

import io.weir.snapshot.SnapshotCorruptException;
import io.weir.tools.common.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;

/**
 * {@code weir snapshot SUBCOMMAND ...}: inspects checkpoints and savepoints offline, reading them with the
 * snapshot module's own readers. Never modifies a checkpoint. Usage errors throw {@link UsageException} (one line,
 * exit 2, printed by {@code WeirCli}); a missing, incomplete or corrupt checkpoint is exit 1 with a one-line message
 * naming the file and, where known, the byte offset (the stack trace too when {@code WEIR_VERBOSE} is set).
 */
@Command(
    name = "snapshot",
    customSynopsis = "weir snapshot SUBCOMMAND ARGS [OPTIONS]",
    header = "inspect checkpoints and savepoints offline",
    description = "Inspects checkpoints and savepoints offline; never modifies them.",
    subcommands = {ListCommand.class, ShowCommand.class, VerifyCommand.class, DumpCommand.class, DiffCommand.class},
    footer = {
        "%nCHECKPOINT is a chk-NNNNNNNNNN or savepoint-NNNNNNNNNN directory, its MANIFEST, or DIR --id N.",
        "'weir snapshot SUBCOMMAND --help' explains a subcommand."})
public final class SnapshotCommand implements Callable<Integer>
{
    private SnapshotCommand()
    {
    }

    /** Without a subcommand: a usage error. */
    @Override
    public Integer call()
    {
        throw new UsageException("weir snapshot: expected a subcommand: list, show, verify, dump or diff " +
            "(see 'weir snapshot --help')");
    }

    /** Whether stack traces are printed: WEIR_VERBOSE set in the environment. */
    static boolean verbose()
    {
        return System.getenv("WEIR_VERBOSE") != null;
    }

    /**
     * A subcommand: {@link #run()} reports a missing, incomplete or corrupt checkpoint, and anything else a damaged
     * file provokes, in one line on standard error (exit 1).
     */
    abstract static class Subcommand implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        final PrintStream out;
        final PrintStream err;

        Subcommand(final PrintStream out, final PrintStream err)
        {
            this.out = out;
            this.err = err;
        }

        /**
         * @return the exit code: 0 success, 1 failure (message on {@code err}).
         * @throws UsageException for a malformed command line (exit 2).
         */
        abstract int run();

        /** The command as messages name it, e.g. {@code weir snapshot list}. */
        String command()
        {
            return spec.qualifiedName();
        }

        @Override
        public final Integer call()
        {
            try
            {
                return run();
            }
            catch (final UsageException ex)
            {
                throw ex;
            }
            catch (final SnapshotToolException | SnapshotCorruptException | UncheckedIOException ex)
            {
                return fail(ex.getMessage(), ex);
            }
            catch (final RuntimeException | OutOfMemoryError | StackOverflowError ex)
            {
                // Anything else a damaged file provokes is still reported in one line; the trace only on request.
                return fail("failed: " + ex, ex);
            }
        }

        private int fail(final String message, final Throwable ex)
        {
            out.flush();
            final String text = String.valueOf(message).replace("\n", "; ");
            err.println(text.startsWith("weir snapshot") ? text : command() + ": " + text);
            if (verbose())
            {
                ex.printStackTrace(err);
            }
            return 1;
        }
    }
}
