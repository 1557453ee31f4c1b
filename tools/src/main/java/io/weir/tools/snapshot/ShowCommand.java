package io.weir.tools.snapshot;

import io.weir.tools.cli.Options;

import io.weir.snapshot.CheckpointManifest;

import java.io.PrintStream;
import java.util.Set;

/** {@code weir snapshot show CHECKPOINT}: a manifest in readable form. */
final class ShowCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir snapshot show CHECKPOINT",
        "       weir snapshot show DIR --id N",
        "",
        "Prints the manifest of a checkpoint or savepoint: creation time, backend, states with their codecs and",
        "TTL, shards with key-group ranges, watermarks and timer counts, each shard's files with kinds and sizes,",
        "source positions and properties. CHECKPOINT is a chk-NNNNNNNNNN or savepoint-NNNNNNNNNN directory or its",
        "MANIFEST; with --id N, DIR is the checkpoint root (a checkpoint is preferred over a savepoint of that id).",
        "");

    private ShowCommand()
    {
    }

    static int run(final String[] args, final PrintStream out)
    {
        final Options parsed = Options.parse("weir snapshot show", args, 0, Set.of("id"), Set.of("help"));
        if (parsed.has("help"))
        {
            out.print(USAGE);
            return 0;
        }
        parsed.checkPositional(1, "one CHECKPOINT (or DIR --id N)");
        final CheckpointLocator.Located located = CheckpointLocator.locate(parsed.command(),
            parsed.positional().get(0), parsed.longValue("id", -1, 0, Long.MAX_VALUE));
        final CheckpointManifest manifest = located.readManifest();
        out.println("directory:         " + located.listing().directory());
        out.println("data files in:     " + located.directory().dataDirectory(manifest.kind(), manifest.checkpointId()));
        out.print(manifest);
        return 0;
    }
}
