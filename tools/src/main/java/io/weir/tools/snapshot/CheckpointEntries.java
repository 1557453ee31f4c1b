package io.weir.tools.snapshot;

import io.weir.snapshot.BroadcastStateDescriptor;
import io.weir.snapshot.ChainResolver;
import io.weir.snapshot.CheckpointManifest;
import io.weir.snapshot.SnapshotCorruptException;
import io.weir.snapshot.SnapshotFileReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The live entries of a checkpoint: each shard's chain resolved (base, then deltas in order; later entries win,
 * tombstones remove) together with its timers file, decoded by {@link EntryDecoder}, in shard order, then key group,
 * then composite key. Every file read is first checked against the size its manifest records.
 * Holds one key group of one shard in memory at a time.
 */
final class CheckpointEntries
{
    /** No key-group filter. */
    static final int ALL_KEY_GROUPS = -1;

    private CheckpointEntries()
    {
    }

    /**
     * @param located  the checkpoint; must be complete.
     * @param stateId  only this state's entries, or -1 for all.
     * @param keyGroup only this key group, or {@link #ALL_KEY_GROUPS}.
     * @param key      only entries whose decoded key equals this, or null for all.
     * @param consumer receives the entries.
     * @return number of entries delivered.
     * @throws SnapshotToolException if a file is missing, corrupt, or a chain does not link up.
     */
    static long forEach(
        final CheckpointLocator.Located located,
        final CheckpointManifest manifest,
        final int stateId,
        final int keyGroup,
        final String key,
        final Consumer<DecodedEntry> consumer)
    {
        final EntryDecoder decoder = new EntryDecoder(manifest);
        long count = 0;
        for (final CheckpointManifest.ShardState shard : manifest.shards())
        {
            if (keyGroup != ALL_KEY_GROUPS && (keyGroup < shard.firstKeyGroup() || keyGroup > shard.lastKeyGroup()))
            {
                continue;
            }
            final List<Path> chain = new ArrayList<>();
            for (final CheckpointManifest.FileRef file : shard.files())
            {
                chain.add(checkedPath(located, manifest, file));
            }
            if (chain.isEmpty())
            {
                continue;
            }
            final boolean withTimers = shard.timers() != null && (stateId < 0 || stateId == EntryDecoder.TIMERS_STATE_ID);
            final Path timersPath = withTimers ? checkedPath(located, manifest, shard.timers()) : null;
            try (ChainResolver resolver = ChainResolver.open(chain);
                ChainResolver timers = withTimers ? ChainResolver.open(List.of(timersPath)) : null)
            {
                checkRange(chain.get(0), resolver, shard);
                if (timers != null)
                {
                    checkRange(timersPath, timers, shard);
                }
                final int first = keyGroup == ALL_KEY_GROUPS ? shard.firstKeyGroup() : keyGroup;
                final int last = keyGroup == ALL_KEY_GROUPS ? shard.lastKeyGroup() : keyGroup;
                for (int g = first; g <= last; g++)
                {
                    final Map<byte[], byte[]> resolved = resolver.resolveKeyGroup(g);
                    if (timers != null)
                    {
                        resolved.putAll(timers.resolveKeyGroup(g));
                    }
                    for (final Map.Entry<byte[], byte[]> entry : resolved.entrySet())
                    {
                        if (stateId >= 0 && stateIdOf(entry.getKey()) != stateId)
                        {
                            continue;
                        }
                        for (final DecodedEntry decoded : decoder.decodeAll(g, entry.getKey(), entry.getValue()))
                        {
                            if (key == null || key.equals(decoded.key()))
                            {
                                consumer.accept(decoded);
                                count++;
                            }
                        }
                    }
                }
            }
            catch (final SnapshotCorruptException ex)
            {
                throw new SnapshotToolException(ex.getMessage() + " (run 'weir snapshot verify " +
                    located.listing().directory() + "' for every problem)");
            }
            catch (final UncheckedIOException ex)
            {
                throw new SnapshotToolException(ex.getMessage());
            }
        }
        if (stateId < 0 && (keyGroup == ALL_KEY_GROUPS || keyGroup == BroadcastStateDescriptor.KEY_GROUP))
        {
            count += forEachBroadcast(located, manifest, null, key, consumer);
        }
        return count;
    }

    /**
     * The entries of the broadcast states in {@code manifest} (an operator's view): state name, no key, the map
     * key as subkey, the value.
     *
     * @param state only this broadcast state, or null for all.
     * @param key   only entries whose decoded map key equals this, or null for all.
     * @return number of entries delivered.
     */
    static long forEachBroadcast(
        final CheckpointLocator.Located located,
        final CheckpointManifest manifest,
        final String state,
        final String key,
        final Consumer<DecodedEntry> consumer)
    {
        final CheckpointManifest.FileRef file = manifest.broadcastOf("");
        if (null == file)
        {
            return 0;
        }
        final Path path = checkedPath(located, manifest, file);
        final String prefix = CheckpointManifest.BROADCAST_PROPERTY_PREFIX;
        final long[] count = new long[1];
        try (SnapshotFileReader reader = SnapshotFileReader.open(path))
        {
            reader.forEach((keyGroup, entryType, k, keyOffset, keyLength, value, valueOffset, valueLength) ->
            {
                final String name = BroadcastStateDescriptor.name(k, keyOffset, keyLength);
                if (null != state && !state.equals(name))
                {
                    return;
                }
                final int userKey = BroadcastStateDescriptor.userKeyOffset(k, keyOffset, keyLength);
                final String subkey = CodecFormats.format(manifest.properties().getOrDefault(
                    prefix + name + CheckpointManifest.BROADCAST_USER_KEY_CODEC_SUFFIX, ""), k, userKey,
                    keyLength - (userKey - keyOffset));
                if (null != key && !key.equals(subkey))
                {
                    return;
                }
                consumer.accept(new DecodedEntry(name, keyGroup, "", subkey, CodecFormats.format(
                    manifest.properties().getOrDefault(prefix + name + CheckpointManifest.BROADCAST_VALUE_CODEC_SUFFIX,
                    ""), value, valueOffset, valueLength), DecodedEntry.NO_TTL_TIMESTAMP));
                count[0]++;
            });
        }
        catch (final SnapshotCorruptException ex)
        {
            throw new SnapshotToolException(ex.getMessage() + " (run 'weir snapshot verify " +
                located.listing().directory() + "' for every problem)");
        }
        catch (final UncheckedIOException ex)
        {
            throw new SnapshotToolException(ex.getMessage());
        }
        return count[0];
    }

    /**
     * @return the path of a file the manifest references, after checking that it has the size recorded.
     * @throws SnapshotToolException if it is missing or of another size.
     */
    private static Path checkedPath(
        final CheckpointLocator.Located located, final CheckpointManifest manifest, final CheckpointManifest.FileRef file)
    {
        final Path path = located.directory().resolve(manifest, file.name());
        final long sizeBytes;
        try
        {
            sizeBytes = Files.size(path);
        }
        catch (final IOException ex)
        {
            throw new SnapshotToolException(path + ": missing, referenced by " + located.listing().manifestPath());
        }
        if (sizeBytes != file.sizeBytes())
        {
            throw new SnapshotToolException(path + ": size " + sizeBytes + " bytes, " +
                located.listing().manifestPath() + " records " + file.sizeBytes());
        }
        return path;
    }

    private static void checkRange(final Path file, final ChainResolver resolver, final CheckpointManifest.ShardState shard)
    {
        if (resolver.baseHeader().firstKeyGroup() != shard.firstKeyGroup() ||
            resolver.baseHeader().lastKeyGroup() != shard.lastKeyGroup())
        {
            throw new SnapshotToolException(file + ": header says key groups [" +
                resolver.baseHeader().firstKeyGroup() + ", " + resolver.baseHeader().lastKeyGroup() +
                "], the manifest says [" + shard.firstKeyGroup() + ", " + shard.lastKeyGroup() + "]");
        }
    }

    /**
     * @return the state id of a composite key, or -1 if it is too short to have one.
     */
    static int stateIdOf(final byte[] compositeKey)
    {
        return compositeKey.length < 4 ? -1 : ((compositeKey[2] & 0xFF) << 8) | (compositeKey[3] & 0xFF);
    }

    /**
     * @return the id of the state named {@code name} ({@code timers} is id 0).
     * @throws SnapshotToolException if the manifest has no such state.
     */
    static int stateId(final CheckpointLocator.Located located, final CheckpointManifest manifest, final String name)
    {
        for (final CheckpointManifest.StateDescriptor state : manifest.states())
        {
            if (state.name().equals(name))
            {
                return state.stateId();
            }
        }
        if (name.equals(EntryDecoder.TIMERS_STATE_NAME))
        {
            return EntryDecoder.TIMERS_STATE_ID;
        }
        final List<String> names = new ArrayList<>();
        manifest.states().forEach(s -> names.add(s.name()));
        names.add(EntryDecoder.TIMERS_STATE_NAME);
        names.addAll(manifest.broadcastStateNames());
        throw new SnapshotToolException(located.listing().manifestPath() + ": no state named '" + name +
            "'; states: " + String.join(", ", names));
    }
}
