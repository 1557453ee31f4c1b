package com.example;

import io.weir.engine.JvmAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README.md's "Use it from Maven" section is this module: its dependency snippet is this pom's, its example is
 * CountPerKey.java verbatim, and its flag list is the engine jar's. The example runs with those flags only, and
 * without them fails with Weir's one message.
 */
@Timeout(120)
class ReadmeExampleTest
{
    private static final String EXPECTED_OUTPUT =
        "events per key: {0=100, 1=100, 2=100, 3=100, 4=100, 5=100, 6=100, 7=100, 8=100, 9=100}";

    @Test
    void shouldShowThisModulesPomAndSourceInTheReadme() throws IOException
    {
        final String readme = Files.readString(readme());
        final String source = Files.readString(Path.of("src/main/java/com/example/CountPerKey.java"));
        assertTrue(readme.contains("```java\n" + source + "```\n"),
            "README.md's example differs from example/src/main/java/com/example/CountPerKey.java");

        final String pom = Files.readString(Path.of("pom.xml"));
        final String region = pom.substring(pom.indexOf('\n', pom.indexOf("<!-- README: begin")) + 1,
            pom.indexOf("<!-- README: end"));
        final List<String> expected = trimmedLines(region + "</dependencies>\n");
        final List<String> shown = trimmedLines(block(readme, "```xml\n<dependencyManagement>"));
        assertEquals(expected, shown, "README.md's Maven snippet against example/pom.xml");

        final List<String> flags = trimmedLines(block(readme, "```\n--add-"));
        assertEquals(JvmAccess.requiredFlags(), flags, "README.md's JVM flags against META-INF/weir/jvm.flags");
    }

    @Test
    void shouldRunWithTheFlagsTheEngineJarLists() throws Exception
    {
        final Result result = runExample(JvmAccess.requiredFlags());
        assertEquals(0, result.exitCode, result.output + result.errors);
        assertEquals(EXPECTED_OUTPUT, result.output.strip(), result.errors);
    }

    @Test
    void shouldFailWithOneMessageWithoutTheFlags() throws Exception
    {
        final Result result = runExample(List.of());
        assertEquals(1, result.exitCode, result.output + result.errors);
        assertTrue(result.errors.startsWith("Exception in thread \"main\" java.lang.IllegalStateException: " +
            JvmAccess.missingMessage(JvmAccess.requiredFlags()) + "\n"), result.errors);
    }

    /** Standard output and standard error apart: without a logging binding SLF4J explains itself on stderr. */
    private record Result(int exitCode, String output, String errors)
    {
    }

    private static Result runExample(final List<String> flags) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(flags);
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(CountPerKey.class.getName());
        final Path errors = Files.createTempFile("weir-example", ".err");
        try
        {
            final Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.to(errors.toFile())).start();
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            final int exitCode = process.waitFor();
            return new Result(exitCode, output, Files.readString(errors));
        }
        finally
        {
            Files.deleteIfExists(errors);
        }
    }

    private static Path readme()
    {
        return Path.of(System.getProperty("weir.readme", "../README.md"));
    }

    /** The text of the fenced block that starts with {@code opening}, without its fences. */
    private static String block(final String readme, final String opening)
    {
        final int start = readme.indexOf(opening);
        assertTrue(start >= 0, "README.md has no block starting " + opening.replace("\n", "\\n"));
        final int from = readme.indexOf('\n', start) + 1;
        return readme.substring(from, readme.indexOf("```", from));
    }

    private static List<String> trimmedLines(final String text)
    {
        return text.lines().map(String::strip).filter(line -> !line.isEmpty()).collect(Collectors.toList());
    }
}
