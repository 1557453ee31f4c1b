package io.weir.api.functions;

/** Extracts an element's event time in milliseconds. */
@FunctionalInterface
public interface TimestampAssigner<I>
{
    /** The event time of {@code value}, in ms. */
    long timestamp(I value);
}
