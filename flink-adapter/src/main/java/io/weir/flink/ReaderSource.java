package io.weir.flink;

import io.weir.api.connector.SourceReader;
import io.weir.api.dataflow.SourceSpec;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The readers of a Weir source as a bounded Flink {@link Source}: one split per Weir {@link SourceReader}, split
 * {@code i} read by subtask {@code i} (the source runs with as many subtasks as readers). A split's state is the
 * reader's {@link SourceReader#position()}, so a Flink checkpoint resumes it with {@link SourceReader#seek}.
 */
final class ReaderSource<T> implements Source<T, ReaderSource.Split, Integer>
{
    private static final long serialVersionUID = 1L;
    private final GraphRef graph;
    private final int nodeId;
    private final int readers;

    ReaderSource(final GraphRef graph, final int nodeId, final int readers)
    {
        this.graph = graph;
        this.nodeId = nodeId;
        this.readers = readers;
    }

    public Boundedness getBoundedness()
    {
        return Boundedness.BOUNDED;
    }

    public SplitEnumerator<Split, Integer> createEnumerator(final SplitEnumeratorContext<Split> context)
    {
        final List<Split> splits = new ArrayList<>();
        for (int i = 0; i < readers; i++)
        {
            splits.add(new Split(i, 0, 0));
        }
        return new Enumerator(context, splits);
    }

    public SplitEnumerator<Split, Integer> restoreEnumerator(
        final SplitEnumeratorContext<Split> context, final Integer assigned)
    {
        // Every split was assigned at the start; the readers' own state holds them.
        return new Enumerator(context, new ArrayList<>());
    }

    public SimpleVersionedSerializer<Split> getSplitSerializer()
    {
        return new SplitSerializer();
    }

    public SimpleVersionedSerializer<Integer> getEnumeratorCheckpointSerializer()
    {
        return new SimpleVersionedSerializer<>()
        {
            public int getVersion()
            {
                return 1;
            }

            public byte[] serialize(final Integer value)
            {
                return new byte[0];
            }

            public Integer deserialize(final int version, final byte[] serialized)
            {
                return 0;
            }
        };
    }

    @SuppressWarnings("unchecked")
    public org.apache.flink.api.connector.source.SourceReader<T, Split> createReader(final SourceReaderContext context)
    {
        final SourceSpec<T> spec = (SourceSpec<T>)graph.node(nodeId).source();
        return new Reader<>(spec, context);
    }

    /** Reader {@code index} of the source, and where it is. */
    record Split(int index, long position, long line) implements SourceSplit
    {
        public String splitId()
        {
            return Integer.toString(index);
        }
    }

    private static final class SplitSerializer implements SimpleVersionedSerializer<Split>
    {
        public int getVersion()
        {
            return 1;
        }

        public byte[] serialize(final Split split) throws IOException
        {
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream(20);
            try (DataOutputStream out = new DataOutputStream(bytes))
            {
                out.writeInt(split.index());
                out.writeLong(split.position());
                out.writeLong(split.line());
            }
            return bytes.toByteArray();
        }

        public Split deserialize(final int version, final byte[] serialized) throws IOException
        {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized)))
            {
                return new Split(in.readInt(), in.readLong(), in.readLong());
            }
        }
    }

    /** Gives split {@code i} to subtask {@code i} as it registers. */
    private static final class Enumerator implements SplitEnumerator<Split, Integer>
    {
        private final SplitEnumeratorContext<Split> context;
        private final List<Split> unassigned;

        Enumerator(final SplitEnumeratorContext<Split> context, final List<Split> unassigned)
        {
            this.context = context;
            this.unassigned = unassigned;
        }

        public void start()
        {
        }

        public void handleSplitRequest(final int subtaskId, final String requesterHostname)
        {
        }

        public void addSplitsBack(final List<Split> splits, final int subtaskId)
        {
            unassigned.addAll(splits);
            if (context.registeredReaders().containsKey(subtaskId))
            {
                addReader(subtaskId);
            }
        }

        public void addReader(final int subtaskId)
        {
            for (int i = unassigned.size() - 1; i >= 0; i--)
            {
                if (unassigned.get(i).index() % context.currentParallelism() == subtaskId)
                {
                    context.assignSplit(unassigned.remove(i), subtaskId);
                }
            }
            context.signalNoMoreSplits(subtaskId);
        }

        public Integer snapshotState(final long checkpointId)
        {
            return unassigned.size();
        }

        public void close()
        {
        }
    }

    /** Reads its splits' Weir readers one after the other, one element per poll. */
    private static final class Reader<T> implements org.apache.flink.api.connector.source.SourceReader<T, Split>
    {
        private final SourceSpec<T> spec;
        private final SourceReaderContext context;
        private final List<Split> pending = new ArrayList<>();
        private CompletableFuture<Void> available = new CompletableFuture<>();
        private SourceReader<T> current;
        private int currentIndex = -1;
        private boolean noMoreSplits;

        Reader(final SourceSpec<T> spec, final SourceReaderContext context)
        {
            this.spec = spec;
            this.context = context;
        }

        public void start()
        {
        }

        public InputStatus pollNext(final ReaderOutput<T> output) throws Exception
        {
            while (true)
            {
                if (current == null)
                {
                    if (pending.isEmpty())
                    {
                        if (noMoreSplits)
                        {
                            return InputStatus.END_OF_INPUT;
                        }
                        available = new CompletableFuture<>();
                        return InputStatus.NOTHING_AVAILABLE;
                    }
                    final Split split = pending.remove(0);
                    current = spec.readers().get(split.index());
                    currentIndex = split.index();
                    if (split.position() > 0)
                    {
                        current.seek(split.position(), split.line());
                    }
                }
                if (current.next())
                {
                    output.collect(current.current());
                    return InputStatus.MORE_AVAILABLE;
                }
                current.close();
                current = null;
            }
        }

        public List<Split> snapshotState(final long checkpointId)
        {
            final List<Split> state = new ArrayList<>(pending);
            if (current != null)
            {
                state.add(new Split(currentIndex, current.position(), current.line()));
            }
            return state;
        }

        public CompletableFuture<Void> isAvailable()
        {
            return available;
        }

        public void addSplits(final List<Split> splits)
        {
            pending.addAll(splits);
            available.complete(null);
        }

        public void notifyNoMoreSplits()
        {
            noMoreSplits = true;
            available.complete(null);
        }

        public void close() throws Exception
        {
            if (current != null)
            {
                current.close();
            }
        }
    }
}
