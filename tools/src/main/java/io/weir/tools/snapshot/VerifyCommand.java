package io.weir.tools.snapshot;

import io.weir.snapshot.CheckpointDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code weir snapshot verify CHECKPOINT|DIR}: every checksum, size and chain link. */
@Command(
    name = "verify",
    customSynopsis = {"weir snapshot verify CHECKPOINT [--operator UID]",
        "       weir snapshot verify DIR [--id N] [--operator UID]"},
    header = "checksums, sizes and chain links; exit 1 listing every problem",
    description = {
        "Verifies a checkpoint or savepoint completely: the manifest's CRC; that its shards cover every key group",
        "once; for every file it references (each shard's state chain and timers file) that it exists and has the",
        "recorded size, that its header, footer, index and every block pass their CRC32C checks, that its header",
        "agrees with the manifest; and that each shard's chain is a FULL base followed by DELTAs whose parents link",
        "up. For a checkpoint root DIR (without --id) every complete checkpoint and savepoint is verified;",
        "incomplete ones are listed and skipped. With --operator only that operator's files are verified, and its",
        "instances' coverage of the key groups; without it every operator's.",
        "",
        "Exit 0 with a one-line OK summary when sound; otherwise exit 1 listing every problem with the file, the",
        "byte offset and what is wrong."},
    sortOptions = false)
final class VerifyCommand extends SnapshotCommand.Subcommand
{
    @Parameters(index = "0", paramLabel = "CHECKPOINT|DIR", description = "a checkpoint, or a checkpoint root")
    private String arg;

    @Option(names = "--id", paramLabel = "N", description = "only the checkpoint or savepoint of this id in DIR")
    private Long checkpointId;

    @Option(names = "--operator", paramLabel = "UID", description = "only the files of this keyed operator (see " +
        "'weir snapshot show')")
    private String operator;

    VerifyCommand(final PrintStream out, final PrintStream err)
    {
        super(out, err);
    }

    @Override
    int run()
    {
        final long id = Ids.of(spec, checkpointId);
        if (id < 0 && isRoot(arg))
        {
            return verifyRoot(command(), Path.of(arg).toAbsolutePath().normalize(), operator, out, err);
        }
        final CheckpointLocator.Located located = CheckpointLocator.locate(command(), arg, id);
        final CheckpointVerifier.Result result =
            CheckpointVerifier.verify(located.directory(), located.listing(), operator);
        if (!result.sound())
        {
            printProblems(err, located.listing(), result.problems());
            err.println("weir snapshot verify: FAILED: " + located.listing().directory() + ": " +
                result.problems().size() + " problem(s)");
            return 1;
        }
        out.println("weir snapshot verify: OK: " + kind(located.listing()) + " " + located.listing().checkpointId() +
            (null == operator ? "" : " operator " + operator) + " (" + located.listing().directory() + "): " + result.fileCount() + " file(s), " + result.totalBytes() +
            " bytes");
        return 0;
    }

    private static int verifyRoot(
        final String command, final Path root, final String operator, final PrintStream out, final PrintStream err)
    {
        final CheckpointDirectory directory = CheckpointLocator.openRoot(command, root);
        final List<String> skipped = new ArrayList<>();
        int verified = 0;
        int failed = 0;
        int files = 0;
        long bytes = 0;
        for (final CheckpointDirectory.Listing listing : directory.list())
        {
            if (!listing.complete())
            {
                skipped.add(listing.directory().getFileName().toString());
                continue;
            }
            final CheckpointVerifier.Result result = CheckpointVerifier.verify(directory, listing, operator);
            verified++;
            files += result.fileCount();
            bytes += result.totalBytes();
            if (!result.sound())
            {
                failed++;
                printProblems(err, listing, result.problems());
            }
        }
        final String skippedText = skipped.isEmpty() ? "" :
            "; skipped " + skipped.size() + " incomplete: " + String.join(", ", skipped);
        if (failed > 0)
        {
            err.println("weir snapshot verify: FAILED: " + failed + " of " + verified +
                " checkpoint(s) and savepoint(s) in " + root + " have problems" + skippedText);
            return 1;
        }
        if (verified == 0)
        {
            err.println("weir snapshot verify: " + root + ": no complete checkpoint or savepoint to verify" +
                skippedText);
            return 1;
        }
        out.println("weir snapshot verify: OK: " + verified + " checkpoint(s) and savepoint(s) in " + root + ", " +
            files + " file reference(s), " + bytes + " bytes" + skippedText);
        return 0;
    }

    private static void printProblems(
        final PrintStream err, final CheckpointDirectory.Listing listing, final List<String> problems)
    {
        err.println(listing.directory() + ": " + problems.size() + " problem(s):");
        for (final String problem : problems)
        {
            err.println("  " + problem);
        }
    }

    private static boolean isRoot(final String arg)
    {
        final Path path = Path.of(arg).toAbsolutePath().normalize();
        if (!Files.isDirectory(path) || path.getFileName() == null)
        {
            return false;
        }
        final String name = path.getFileName().toString();
        return !name.matches("chk-\\d{10}") && !name.matches("savepoint-\\d{10}");
    }

    private static String kind(final CheckpointDirectory.Listing listing)
    {
        return listing.kind().label();
    }
}
