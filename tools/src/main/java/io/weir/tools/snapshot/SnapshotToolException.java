package io.weir.tools.snapshot;

/**
 * A {@code weir snapshot} command cannot do what was asked of a well-formed command line: the checkpoint is
 * missing, incomplete or unreadable, or names no such state. Printed as one line naming the file; exit code 1.
 */
final class SnapshotToolException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    SnapshotToolException(final String message)
    {
        super(message);
    }
}
