package io.weir.engine;

/**
 * A pull-based source of elements, driven by a source thread ({@link SourceAgent}) that offers each element
 * to a {@link Producer}: the runtime's name for {@link io.weir.api.connector.SourceReader}.
 */
public interface SourceReader<I> extends io.weir.api.connector.SourceReader<I>
{
}
