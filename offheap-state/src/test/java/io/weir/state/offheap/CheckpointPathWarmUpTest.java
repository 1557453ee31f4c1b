package io.weir.state.offheap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointPathWarmUpTest
{
    @Test
    @Timeout(60)
    void shouldReadEverySnapshotOfTheScratchStoreWhileWritingIt()
    {
        // The first snapshot (full, from the log) holds every key; each later one, full or delta, at least the
        // keys written since the previous one that were not removed (six in seven).
        final long minimum = CheckpointPathWarmUp.KEYS +
            (CheckpointPathWarmUp.SNAPSHOTS - 1) * (CheckpointPathWarmUp.KEYS * 6L / 7);
        final long visited = CheckpointPathWarmUp.run();
        assertTrue(visited >= minimum, "visited " + visited + " entries, expected at least " + minimum);
    }
}
