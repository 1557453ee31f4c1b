package io.weir.snapshot;

/**
 * A snapshot file, manifest or checkpoint is unreadable: bad magic, CRC mismatch, truncation,
 * a missing file, or a chain whose links do not match. The message names the file, the byte
 * offset where known, and what is wrong.
 */
public class SnapshotCorruptException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public SnapshotCorruptException(final String message)
    {
        super(message);
    }

    public SnapshotCorruptException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
