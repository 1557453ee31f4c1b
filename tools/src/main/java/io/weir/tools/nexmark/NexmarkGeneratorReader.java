package io.weir.tools.nexmark;

import io.weir.api.connector.SourceReader;
import io.weir.tools.nexmark.queries.NexmarkEvent;

import java.util.function.LongConsumer;

/**
 * The event stream of a {@link NexmarkGenerator} as a source, made on the fly into one reused event: no file, no
 * allocation per event. The position is the number of events read, so a checkpoint resumes at the next one.
 * Source thread only.
 */
public final class NexmarkGeneratorReader implements SourceReader<NexmarkEvent>
{
    private final NexmarkGenerator generator;
    private final long events;
    private final NexmarkEvent event = new NexmarkEvent();
    private final LongConsumer onEvent;
    private long next;

    /** Events {@code 0 .. events-1} of {@code generator}. */
    public NexmarkGeneratorReader(final NexmarkGenerator generator, final long events)
    {
        this(generator, events, n -> { });
    }

    /** As above; {@code onEvent} is told each event's number as it is made (on the source thread). */
    public NexmarkGeneratorReader(final NexmarkGenerator generator, final long events, final LongConsumer onEvent)
    {
        if (events < 0)
        {
            throw new IllegalArgumentException("events must be >= 0: " + events);
        }
        this.generator = generator;
        this.events = events;
        this.onEvent = onEvent;
    }

    public String name()
    {
        return "nexmark-generator(seed " + generator.seed() + ", " + generator.eventRate() + " events/s)";
    }

    public boolean next()
    {
        if (next == events)
        {
            return false;
        }
        generator.generate(next, event);
        onEvent.accept(next);
        next++;
        return true;
    }

    public NexmarkEvent current()
    {
        return event;
    }

    public long position()
    {
        return next;
    }

    public void seek(final long position, final long line)
    {
        if (position < 0 || position > events)
        {
            throw new IllegalArgumentException(name() + ": cannot resume at event " + position + " of " + events);
        }
        next = position;
    }

    public void close()
    {
    }
}
