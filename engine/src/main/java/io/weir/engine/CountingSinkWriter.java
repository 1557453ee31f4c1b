package io.weir.engine;

import io.weir.api.connector.TransactionalSinkWriter;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * A shard's sink writer that counts what it collects in the shard's events-out counter. Used by the shard thread
 * only, like the writer it wraps; the counter is bound before the shard starts.
 */
class CountingSinkWriter<O> implements SinkWriter<O>
{
    final io.weir.api.connector.SinkWriter<O> delegate;
    private AtomicCounter collected;

    CountingSinkWriter(final io.weir.api.connector.SinkWriter<O> delegate)
    {
        this.delegate = delegate;
    }

    static <O> CountingSinkWriter<O> wrap(final io.weir.api.connector.SinkWriter<O> writer)
    {
        return writer instanceof TransactionalSinkWriter ?
            new Transactional<>((TransactionalSinkWriter<O>)writer) : new CountingSinkWriter<>(writer);
    }

    /** Count into {@code counter} from now on. Called before the shard thread starts. */
    void bind(final AtomicCounter counter)
    {
        this.collected = counter;
    }

    public void collect(final O value)
    {
        delegate.collect(value);
        if (null != collected)
        {
            collected.incrementRelease();
        }
    }

    public void onEndOfInput()
    {
        delegate.onEndOfInput();
    }

    public void close()
    {
        delegate.close();
    }

    /** Keeps the wrapped writer's part in exactly-once checkpoints. */
    static final class Transactional<O> extends CountingSinkWriter<O> implements TransactionalSinkWriter<O>
    {
        Transactional(final TransactionalSinkWriter<O> delegate)
        {
            super(delegate);
        }

        public PartPosition preCommit()
        {
            return ((TransactionalSinkWriter<O>)delegate).preCommit();
        }
    }
}
