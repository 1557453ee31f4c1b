package io.weir.tools.io;

/** Writes one value as one CSV line (fields then {@code endLine}). */
@FunctionalInterface
public interface RowFormatter<T>
{
    void format(T value, CsvLineWriter writer);
}
