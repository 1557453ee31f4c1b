package io.weir.api.functions;

/** Extracts an element's event time in milliseconds. */
@FunctionalInterface
public interface TimestampAssigner<I>
{
    long timestamp(I value);
}
