package io.weir.engine.runtime.snapshot;

import io.weir.engine.checkpoint.CheckpointSettings;
import io.weir.engine.state.RegisteredState;
import io.weir.engine.state.StateLayoutDescriptor;
import io.weir.snapshot.CheckpointDirectory;
import io.weir.snapshot.CheckpointKind;
import io.weir.snapshot.CheckpointManifest;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Whether a job can read what a checkpoint recorded, checked before any of its bytes are loaded: a state's bytes
 * are only meaningful to a state of the same layout, as Flink refuses a restore whose serializers are
 * incompatible.
 * <ul>
 *   <li>The job name must be the one that took the checkpoint, and the key codec the same.</li>
 *   <li>The entries' layout ({@link #LAYOUT_PROPERTY}) must be one this build reads: a checkpoint of a later build
 *       may store state in a form this one would misread.</li>
 *   <li>Each state of the checkpoint that the job registers must have the same kind, value codec, map user-key
 *       codec, namespacing, and TTL on or off: TTL on prefixes every value with an 8-byte last-access time
 *       ({@link io.weir.engine.state.StateLayoutDescriptor}). Only turning TTL on or off changes the bytes, so a
 *       changed TTL duration is allowed, as in Flink: restored entries keep their last-access times and expire by
 *       the new duration.</li>
 *   <li>A state of the checkpoint that the job does not register (in {@code open()}, before the restore) is refused
 *       unless {@link CheckpointSettings#allowNonRestoredState()}, which drops it. A state the job adds starts
 *       empty.</li>
 * </ul>
 * Stateless; any thread.
 */
public final class RestoreCompatibility
{
    /** In a {@link #stateIdMap}: the state's entries are left out. */
    public static final int DROPPED = -1;

    /** Manifest property naming the job that took the checkpoint. */
    public static final String JOB_PROPERTY = "job";

    /**
     * Manifest property: the {@link StateLayoutDescriptor#LAYOUT_VERSION} of the entries. Absent in manifests of
     * format 5, written before the property existed, whose layout (2) this build reads.
     */
    public static final String LAYOUT_PROPERTY = "state.layout";
    /** The earliest layout this build reads (1 kept one entry per list element). */
    private static final int MIN_READ_LAYOUT = 2;

    /** Manifest property {@code state.NAME.namespaced}: whether a state was registered with a namespace. */
    public static String namespacedProperty(final String stateName)
    {
        return "state." + stateName + ".namespaced";
    }

    private static final int MAX_STATE_ID = 0xFFFF;

    private RestoreCompatibility()
    {
    }

    /**
     * Refuse a checkpoint whose entries are in a layout this build does not read.
     *
     * @throws IllegalArgumentException naming the checkpoint and the layout.
     */
    private static void checkLayout(final CheckpointManifest manifest, final Path checkpoint, final String jobName)
    {
        final String layout = manifest.properties().get(LAYOUT_PROPERTY);
        if (layout == null)
        {
            return;
        }
        final int version;
        try
        {
            version = Integer.parseInt(layout.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(prefix(manifest, checkpoint, jobName) + "its manifest property " +
                LAYOUT_PROPERTY + " is '" + layout + "', not a state layout number: the manifest is damaged");
        }
        if (version < MIN_READ_LAYOUT || version > StateLayoutDescriptor.LAYOUT_VERSION)
        {
            throw new IllegalArgumentException(prefix(manifest, checkpoint, jobName) + "its state is in layout " +
                version + ", and this build reads layouts " + MIN_READ_LAYOUT + " to " +
                StateLayoutDescriptor.LAYOUT_VERSION + "; restore it with " +
                (version > StateLayoutDescriptor.LAYOUT_VERSION ? "the build of Weir that took it, or a later one" :
                "an earlier build of Weir"));
        }
    }

    /** The directory of the checkpoint or savepoint, for messages. */
    public static Path checkpointPath(final CheckpointDirectory directory, final CheckpointManifest manifest)
    {
        return manifest.kind() == CheckpointKind.SAVEPOINT ?
            directory.savepointDirectory(manifest.checkpointId()) :
            directory.checkpointDirectory(manifest.checkpointId());
    }

    /**
     * Refuse a checkpoint taken by another job, with another key codec, or in a state layout this build does not
     * read.
     *
     * @throws IllegalArgumentException naming the checkpoint, the job and what differs.
     */
    public static void checkJob(
        final CheckpointManifest manifest, final Path checkpoint, final String jobName, final String keyCodecId)
    {
        checkJob(manifest, checkpoint, jobName, Map.of("", keyCodecId), false);
    }

    /**
     * Refuse a checkpoint in a state layout this build does not read, one taken by another job, one whose keys of an
     * operator another codec wrote, and one holding the state of an operator the job no longer has (unless
     * {@code allowNonRestoredState}). An operator the job
     * adds starts empty.
     *
     * @param keyCodecIds per operator uid of the job (the empty uid for a job without uids), its key codec id.
     * @throws IllegalArgumentException naming the checkpoint, the job and what differs.
     */
    public static void checkJob(
        final CheckpointManifest manifest,
        final Path checkpoint,
        final String jobName,
        final Map<String, String> keyCodecIds,
        final boolean allowNonRestoredState)
    {
        checkLayout(manifest, checkpoint, jobName);
        for (final String operator : manifest.operators())
        {
            if (!keyCodecIds.containsKey(operator) && !allowNonRestoredState)
            {
                throw new IllegalArgumentException(prefix(manifest, checkpoint, jobName) + "it holds the state of " +
                    (operator.isEmpty() ? "an operator without uid" : "operator '" + operator + "'") + ", which the " +
                    "job does not have (its operators: " + keyCodecIds.keySet() + "); give the operator that uid, " +
                    "or allow non-restored state (--allow-non-restored-state) to drop it");
            }
        }
        final String recordedJob = manifest.properties().get(JOB_PROPERTY);
        if (recordedJob != null && !recordedJob.equals(jobName))
        {
            throw new IllegalArgumentException(prefix(manifest, checkpoint, jobName) + "it was taken by job '" +
                recordedJob + "'; restore it into a job of that name, or give this job its own checkpoint directory");
        }
        for (final CheckpointManifest.StateDescriptor state : manifest.states())
        {
            final String keyCodecId = keyCodecIds.get(state.operator());
            if (keyCodecId != null && !state.keyCodecId().equals(keyCodecId))
            {
                throw new IllegalArgumentException(prefix(manifest, checkpoint, jobName) +
                    "its keys were written with codec '" + state.keyCodecId() + "', the job's key codec is now '" +
                    keyCodecId + "'" + (state.operator().isEmpty() ? "" : " (operator '" + state.operator() + "')"));
            }
        }
    }

    /**
     * Map the checkpoint's state ids to the job's, after checking each state as described above.
     *
     * @param registered the states the job registered before the restore.
     * @param notes      receives one line per state that is dropped or whose TTL duration changed.
     * @return indexed by the checkpoint's state id: the job's id, {@link #DROPPED}, or 0 where the manifest
     * describes no state.
     * @throws IllegalStateException naming the checkpoint, the job, the state and what changed.
     */
    public static int[] stateIdMap(
        final CheckpointManifest manifest,
        final Path checkpoint,
        final String jobName,
        final List<RegisteredState> registered,
        final boolean allowNonRestoredState,
        final Consumer<String> notes)
    {
        final Map<String, RegisteredState> byName = new HashMap<>();
        for (final RegisteredState state : registered)
        {
            byName.put(state.name(), state);
        }
        int maxOld = 0;
        for (final CheckpointManifest.StateDescriptor state : manifest.states())
        {
            if (state.stateId() < 1 || state.stateId() > MAX_STATE_ID)
            {
                throw new IllegalStateException(prefix(manifest, checkpoint, jobName) + "its manifest gives state '" +
                    state.name() + "' id " + state.stateId() + ", outside 1.." + MAX_STATE_ID);
            }
            maxOld = Math.max(maxOld, state.stateId());
        }
        final int[] map = new int[maxOld + 1];
        for (final CheckpointManifest.StateDescriptor old : manifest.states())
        {
            final String namespacedValue = manifest.properties().get(namespacedProperty(old.name()));
            final String was = describe(old.kind(), old.valueCodecId(), old.userKeyCodecId(),
                Boolean.parseBoolean(namespacedValue), old.ttlMs());
            final RegisteredState now = byName.get(old.name());
            if (now == null)
            {
                if (!allowNonRestoredState)
                {
                    throw new IllegalStateException(prefix(manifest, checkpoint, jobName) + "it holds state '" +
                        old.name() + "' (" + was + ") which the job does not register in open(); register it in " +
                        "open() to restore it, or allow non-restored state (--allow-non-restored-state) to drop it");
                }
                notes.accept("state '" + old.name() + "' (" + was + ") of " + checkpoint + " is not restored: the " +
                    "job does not register it and non-restored state is allowed");
                map[old.stateId()] = DROPPED;
                continue;
            }
            final boolean sameLayout = old.kind().equals(now.kind().name()) &&
                old.valueCodecId().equals(now.valueCodecId()) && old.userKeyCodecId().equals(now.userKeyCodecId()) &&
                (namespacedValue == null || Boolean.parseBoolean(namespacedValue) == now.namespaced()) &&
                (old.ttlMs() > 0) == (now.ttlMs() > 0);
            if (!sameLayout)
            {
                final String is = describe(now.kind().name(), now.valueCodecId(), now.userKeyCodecId(),
                    now.namespaced(), now.ttlMs());
                throw new IllegalStateException(prefix(manifest, checkpoint, jobName) + "state '" + old.name() +
                    "' was " + was + ", is now " + is + "; its stored bytes cannot be read as the new state (give " +
                    "the changed state a new name to start it empty, and allow non-restored state to drop the old " +
                    "one)");
            }
            if (old.ttlMs() != now.ttlMs())
            {
                notes.accept("state '" + old.name() + "': TTL " + old.ttlMs() + " ms in " + checkpoint + ", now " +
                    now.ttlMs() + " ms; restored entries keep their last-access times");
            }
            map[old.stateId()] = now.id();
        }
        return map;
    }

    /** E.g. {@code list<long> with TTL off}, {@code namespaced map<string-utf8,long> with TTL 10000 ms}. */
    static String describe(
        final String kind, final String valueCodecId, final String userKeyCodecId, final boolean namespaced,
        final long ttlMs)
    {
        return (namespaced ? "namespaced " : "") + kind.toLowerCase(java.util.Locale.ROOT) + "<" +
            (userKeyCodecId.isEmpty() ? "" : userKeyCodecId + ",") + valueCodecId + "> with TTL " +
            (ttlMs > 0 ? ttlMs + " ms" : "off");
    }

    private static String prefix(final CheckpointManifest manifest, final Path checkpoint, final String jobName)
    {
        return "cannot restore " + (manifest.kind() == CheckpointKind.SAVEPOINT ? "savepoint " : "checkpoint ") +
            checkpoint + " into job '" + jobName + "': ";
    }
}
