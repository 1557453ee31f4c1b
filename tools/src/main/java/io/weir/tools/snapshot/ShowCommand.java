package io.weir.tools.snapshot;

import io.weir.snapshot.CheckpointManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;

/** {@code weir snapshot show CHECKPOINT}: a manifest in readable form. */
@Command(
    name = "show",
    customSynopsis = {"weir snapshot show CHECKPOINT", "       weir snapshot show DIR --id N"},
    header = "the manifest: states, shards, files, sources, watermarks, properties",
    description = {
        "Prints the manifest of a checkpoint or savepoint: creation time, backend, states with their codecs and",
        "TTL, shards with key-group ranges, watermarks and timer counts, each shard's files with kinds and sizes,",
        "source positions and properties. CHECKPOINT is a chk-NNNNNNNNNN or savepoint-NNNNNNNNNN directory or its",
        "MANIFEST; with --id N, DIR is the checkpoint root (a checkpoint is preferred over a savepoint of that id)."},
    sortOptions = false)
final class ShowCommand extends SnapshotCommand.Subcommand
{
    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "a checkpoint, or with --id its root DIR")
    private String checkpoint;

    @Option(names = "--id", paramLabel = "N", description = "the checkpoint or savepoint of this id in DIR")
    private Long id;

    ShowCommand(final PrintStream out, final PrintStream err)
    {
        super(out, err);
    }

    @Override
    int run()
    {
        final CheckpointLocator.Located located = CheckpointLocator.locate(command(), checkpoint, Ids.of(spec, id));
        final CheckpointManifest manifest = located.readManifest();
        out.println("directory:         " + located.listing().directory());
        out.println("data files in:     " + located.directory().dataDirectory(manifest.kind(), manifest.checkpointId()));
        out.print(manifest);
        return 0;
    }
}
