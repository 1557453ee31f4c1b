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
        "Usage: weir snapshot dump CHECKPOINT [--operator UID] [--state NAME] [--key-group G] [--key K]",
        "                                     [--format csv|json]",
        "       weir snapshot dump DIR --id N [...]",
        "",
        "Prints the live entries of a checkpoint: each shard's chain resolved (FULL base, then DELTAs in order;",
        "later entries win, tombstones remove), ordered by shard, key group and key. Keys, list elements, map user",
        "keys and values are decoded with the codecs the manifest records (long, int, double, string-utf8; bytes",
        "and unknown codecs in hex). A list element's subkey is its index, a map entry's its user key; a",
        "namespaced (window) state's subkey starts with ns=N. Timers (state id 0) are shown as state 'timers',",
        "in hex. List and map bookkeeping entries are not shown.",
        "",
        "  --operator UID       the keyed operator whose state to print (required when the checkpoint holds",
        "                       several: see 'weir snapshot show')",
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

    /** The part of {@code manifest} that belongs to {@code operator}; the whole of a one-operator checkpoint. */
    static CheckpointManifest operatorView(
        final CheckpointLocator.Located located, final CheckpointManifest manifest, final String operator)
    {
        final List<String> operators = manifest.operators();
        if (null == operator)
        {
            if (operators.size() > 1)
            {
                throw new SnapshotToolException(located.listing().manifestPath() + ": the checkpoint holds the " +
                    "state of operators " + operators + "; choose one with --operator");
            }
            return operators.isEmpty() ? manifest : manifest.forOperator(operators.get(0));
        }
        if (!operators.contains(operator))
        {
            throw new SnapshotToolException(located.listing().manifestPath() + ": --operator " + operator +
                ": the checkpoint holds no state of it; its operators are " + operators);
        }
        return manifest.forOperator(operator);
    }

    static int run(final String[] args, final PrintStream out)
    {
        final Options parsed = Options.parse("weir snapshot dump", args, 0,
            Set.of("id", "operator", "state", "key-group", "key", "format"), Set.of("help"));
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
        final CheckpointManifest manifest = operatorView(located, located.readManifest(),
            parsed.string("operator", null));
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
