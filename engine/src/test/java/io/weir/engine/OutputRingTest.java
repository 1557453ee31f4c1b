package io.weir.engine;

import io.weir.api.codec.LongCodec;
import io.weir.api.connector.SinkWriter;
import io.weir.engine.runtime.EncodedLengths;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OutputRingTest
{
    @Test
    void deliversEachShardsResultsInOrderToThePollingThread()
    {
        try (OutputRing<Long> ring = new OutputRing<>(4096, LongCodec.INSTANCE, NoOpIdleStrategy::new))
        {
            final SinkWriter<Long> shard0 = ring.sink().createWriter(0, 2);
            final SinkWriter<Long> shard1 = ring.sink().createWriter(1, 2);
            shard0.collect(10L);
            shard1.collect(20L);
            shard0.collect(11L);
            final List<String> polled = new ArrayList<>();
            assertEquals(3, ring.poll((shardId, value) -> polled.add(shardId + ":" + value), 10));
            assertEquals(List.of("0:10", "1:20", "0:11"), polled);
        }
    }

    @Test
    void refusesAResultWhoseCodecWritesLessThanItDeclaredAndDeliversTheOthers()
    {
        final MisdeclaringCodec<Long> codec =
            new MisdeclaringCodec<>("short-for-minus-one", LongCodec.INSTANCE, v -> v == -1, -4);
        try (OutputRing<Long> ring = new OutputRing<>(4096, codec, NoOpIdleStrategy::new))
        {
            final SinkWriter<Long> shard = ring.sink().createWriter(0, 1);
            shard.collect(1L);
            final IllegalStateException refused = assertThrows(IllegalStateException.class, () -> shard.collect(-1L));
            assertEquals(EncodedLengths.mismatch(codec, 8, 4).getMessage(), refused.getMessage());
            shard.collect(2L);
            final List<Long> polled = new ArrayList<>();
            ring.poll((shardId, value) -> polled.add(value), 10);
            assertEquals(List.of(1L, 2L), polled);
        }
    }
}
