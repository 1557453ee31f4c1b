package io.weir.tools.snapshot;

import io.weir.tools.cli.Options;

import io.weir.snapshot.CheckpointManifest;

import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/** {@code weir snapshot dump CHECKPOINT}: the live entries of a checkpoint, decoded. */
final class DumpCommand
{
    static final String USAGE = String.join("\n",
        "Usage: weir snapshot dump CHECKPOINT [--state NAME] [--key-group G] [--key K] [--format csv|json]",
        "       weir snapshot dump DIR --id N [...]",
        "",
        "Prints the live entries of a checkpoint: each shard's chain resolved (FULL base, then DELTAs in order;",
        "later entries win, tombstones remove), ordered by shard, key group and key. Keys, list elements, map user",
        "keys and values are decoded with the codecs the manifest records (long, int, double, string-utf8; bytes",
        "and unknown codecs in hex). A list element's subkey is its index, a map entry's its user key; a",
        "namespaced (window) state's subkey starts with ns=N. Timers (state id 0) are shown as state 'timers',",
        "in hex. List and map bookkeeping entries are not shown.",
        "",
        "  --state NAME         only this state ('timers' for timers)",
        "  --key-group G        only this key group",
        "  --key K              only entries whose decoded key is K (string compare)",
        "  --format F           csv (default): header state,keyGroup,key,subkey,value",
        "                       json: one object per line with state, keyGroup, key, subkey, value and, for TTL'd",
        "                       states, ttlTimestampMs (last access, epoch ms)",
        "");

    private DumpCommand()
    {
    }

    static int run(final String[] args, final PrintStream out)
    {
        final Options parsed = Options.parse("weir snapshot dump", args, 0,
            Set.of("id", "state", "key-group", "key", "format"), Set.of("help"));
        if (parsed.has("help"))
        {
            out.print(USAGE);
            return 0;
        }
        parsed.checkPositional(1, "one CHECKPOINT (or DIR --id N)");
        final EntryFormat format = EntryFormat.of(parsed.choice("format", "csv", List.of("csv", "json")));
        final int keyGroup = (int)parsed.longValue("key-group", CheckpointEntries.ALL_KEY_GROUPS, 0, 65535);
        final String key = parsed.string("key", null);
        final CheckpointLocator.Located located = CheckpointLocator.locate(parsed.command(),
            parsed.positional().get(0), parsed.longValue("id", -1, 0, Long.MAX_VALUE));
        final CheckpointManifest manifest = located.readManifest();
        final int stateId = parsed.has("state") ?
            CheckpointEntries.stateId(located, manifest, parsed.string("state", null)) : -1;
        if (keyGroup >= manifest.maxParallelism())
        {
            throw new SnapshotToolException(located.listing().manifestPath() + ": --key-group " + keyGroup +
                " is outside the checkpoint's key groups 0.." + (manifest.maxParallelism() - 1));
        }
        format.begin(out);
        CheckpointEntries.forEach(located, manifest, stateId, keyGroup, key, entry -> format.print(out, entry));
        return 0;
    }
}
