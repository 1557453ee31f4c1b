package io.weir.tools.snapshot;

import io.weir.snapshot.CheckpointManifest;
import io.weir.tools.common.Conventions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.List;

/** {@code weir snapshot dump CHECKPOINT}: the live entries of a checkpoint, decoded. */
@Command(
    name = "dump",
    customSynopsis = {"weir snapshot dump CHECKPOINT [--operator UID] [--state NAME] [--key-group G] [--key K]",
        "                                     [--format csv|json]",
        "       weir snapshot dump DIR --id N [...]"},
    header = "resolved, decoded entries",
    description = {
        "Prints the live entries of a checkpoint: each shard's chain resolved (FULL base, then DELTAs in order;",
        "later entries win, tombstones remove), ordered by shard, key group and key. Keys, list elements, map user",
        "keys and values are decoded with the codecs the manifest records (long, int, double, string-utf8; bytes",
        "and unknown codecs in hex). A list element's subkey is its index, a map entry's its user key; a",
        "namespaced (window) state's subkey starts with ns=N. Timers (state id 0) are shown as state 'timers',",
        "in hex. List and map bookkeeping entries are not shown."},
    sortOptions = false)
final class DumpCommand extends SnapshotCommand.Subcommand
{
    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "a checkpoint, or with --id its root DIR")
    private String checkpoint;

    @Option(names = "--id", paramLabel = "N", description = "the checkpoint or savepoint of this id in DIR")
    private Long id;

    @Option(names = "--operator", paramLabel = "UID", description = {
        "the keyed operator whose state to print (required when the checkpoint holds several: see " +
            "'weir snapshot show')"})
    private String operator;

    @Option(names = "--state", paramLabel = "NAME", description = "only this state ('timers' for timers; a " +
        "broadcast state by its name)")
    private String state;

    @Option(names = "--key-group", paramLabel = "G", description = "only this key group")
    private Integer keyGroup;

    @Option(names = "--key", paramLabel = "K", description = "only entries whose decoded key is K (string compare)")
    private String key;

    @Option(names = "--format", paramLabel = "F", description = {
        "csv (default): header state,keyGroup,key,subkey,value",
        "json: one object per line with state, keyGroup, key, subkey, value and, for TTL'd states, " +
            "ttlTimestampMs (last access, epoch ms)"})
    private String format = "csv";

    DumpCommand(final PrintStream out, final PrintStream err)
    {
        super(out, err);
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

    @Override
    int run()
    {
        final EntryFormat entryFormat = EntryFormat.of(Conventions.choice(spec, "--format", format,
            List.of("csv", "json")));
        final int keyGroup = this.keyGroup == null ? CheckpointEntries.ALL_KEY_GROUPS :
            Conventions.range(spec, "--key-group", this.keyGroup, 0, 65535);
        final CheckpointLocator.Located located = CheckpointLocator.locate(command(), checkpoint, Ids.of(spec, id));
        final CheckpointManifest manifest = operatorView(located, located.readManifest(), operator);
        final boolean broadcastState = state != null && manifest.broadcastStateNames().contains(state);
        final int stateId = state != null && !broadcastState ? CheckpointEntries.stateId(located, manifest, state) :
            -1;
        if (keyGroup >= manifest.maxParallelism())
        {
            throw new SnapshotToolException(located.listing().manifestPath() + ": --key-group " + keyGroup +
                " is outside the checkpoint's key groups 0.." + (manifest.maxParallelism() - 1));
        }
        entryFormat.begin(out);
        if (broadcastState)
        {
            CheckpointEntries.forEachBroadcast(located, manifest, state, key, entry -> entryFormat.print(out, entry));
            return 0;
        }
        CheckpointEntries.forEach(located, manifest, stateId, keyGroup, key, entry -> entryFormat.print(out, entry));
        return 0;
    }
}
