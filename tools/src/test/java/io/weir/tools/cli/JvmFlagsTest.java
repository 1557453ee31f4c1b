package io.weir.tools.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Executable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The early-compile flags in the root pom ({@code weir.jit.flags}, as the launcher reads them) name methods for
 * the JIT to compile early. The JVM ignores a name that matches nothing, silently, so a renamed or moved method would lose
 * its early compilation without anyone noticing: a checkpoint pause of tens of microseconds, interpreted.
 */
@Timeout(60)
class JvmFlagsTest
{
    private static final String COMPILE_THRESHOLD = "-XX:CompileCommand=CompileThresholdScaling,";

    @Test
    void shouldNameOnlyMethodsThatExistInCompileCommands() throws Exception
    {
        final List<String> patterns = new ArrayList<>();
        for (final String flag : flags())
        {
            if (flag.startsWith(COMPILE_THRESHOLD))
            {
                patterns.add(flag.substring(COMPILE_THRESHOLD.length(), flag.lastIndexOf(',')));
            }
        }
        assertFalse(patterns.isEmpty(), "no CompileThresholdScaling commands in " + Arrays.toString(flags()));
        for (final String pattern : patterns)
        {
            final String className = pattern.substring(0, pattern.indexOf("::"));
            final String method = pattern.substring(pattern.indexOf("::") + 2);
            final Class<?> type = assertDoesNotThrow(() -> Class.forName(className, false, getClass().getClassLoader()),
                "class of compile command " + pattern);
            final List<Executable> candidates = new ArrayList<>(Arrays.asList(type.getDeclaredMethods()));
            candidates.addAll(Arrays.asList(type.getDeclaredConstructors()));
            assertTrue(candidates.stream().anyMatch(e -> method.equals("<init>") ?
                e instanceof java.lang.reflect.Constructor : e.getName().equals(method)),
                "compile command " + pattern + " names no method of " + className);
        }
    }

    private static String[] flags() throws IOException
    {
        try (InputStream in = JvmFlagsTest.class.getResourceAsStream("/weir-jvm.flags"))
        {
            assertNotNull(in, "weir-jvm.flags on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+");
        }
    }
}
