package io.weir.tools.common;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConventionsTest
{
    @Test
    void shouldNameTheDirectMemorySettingWhenAFailureWasCausedByRunningOutOfIt()
    {
        final OutOfMemoryError direct = new OutOfMemoryError(
            "Cannot reserve 4194368 bytes of direct buffer memory (allocated: 12851488, limit: 16777216)");
        final String remedy = Conventions.remedy(
            new IllegalStateException("job 'x' failed: " + direct, new RuntimeException(direct)));
        assertTrue(null != remedy && remedy.contains("-XX:MaxDirectMemorySize"), "remedy: " + remedy);
    }

    @Test
    void shouldOfferNoRemedyForOtherFailures()
    {
        assertNull(Conventions.remedy(new IllegalStateException("boom", new OutOfMemoryError("Java heap space"))));
        assertNull(Conventions.remedy(new IllegalStateException((String)null)));
    }
}
