package io.weir.engine;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.weir.engine.runtime.ShardCheckpointHandler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.members;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The engine's package structure: no package depends on itself through others, and what an application sees (the
 * API and the embedding classes) names no runtime type, so the runtime can change without breaking users.
 * <p>
 * Dependencies run top-down: {@code io.weir.engine} (embedding and wiring) &rarr; {@code runtime.checkpoint}
 * (the coordinator) &rarr; {@code runtime} (shard threads: gates, chains, timers) and {@code runtime.window}
 * &rarr; {@code runtime.snapshot} (what a shard hands over and restores) &rarr; {@code engine.state},
 * {@code state.*}, {@code snapshot}, {@code api}.
 */
class PackageStructureTest
{
    /** Packages of the runtime: public classes there are for the engine's own packages and tools, not users. */
    private static final DescribedPredicate<JavaClass> RUNTIME = new DescribedPredicate<>("a runtime type")
    {
        public boolean test(final JavaClass type)
        {
            final String name = type.getBaseComponentType().getPackageName();
            return name.equals("io.weir.engine.runtime") || name.startsWith("io.weir.engine.runtime.") ||
                name.equals("io.weir.engine.state") || name.startsWith("io.weir.engine.state.");
        }
    };

    private static JavaClasses engine;

    @BeforeAll
    static void importEngine()
    {
        engine = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("io.weir");
    }

    @Test
    void shouldHaveNoPackageCycles()
    {
        slices().matching("io.weir.(**)").should().beFreeOfCycles().check(engine);
    }

    @Test
    void shouldDependTopDownFromEmbeddingToCoordinatorToShardsToSnapshots()
    {
        noClasses().that().resideInAnyPackage("io.weir.engine.runtime..")
            .should().dependOnClassesThat().resideInAPackage("io.weir.engine")
            .check(engine);
        noClasses().that().resideInAnyPackage(
                "io.weir.engine.runtime", "io.weir.engine.runtime.window", "io.weir.engine.runtime.snapshot")
            .should().dependOnClassesThat().resideInAPackage("io.weir.engine.runtime.checkpoint")
            .check(engine);
        noClasses().that().resideInAPackage("io.weir.engine.runtime.snapshot")
            .should().dependOnClassesThat().resideInAnyPackage("io.weir.engine.runtime", "io.weir.engine.runtime.window")
            .check(engine);
    }

    @Test
    void shouldRunNoCoordinatorCodeOnShardThreads()
    {
        // A shard calls its checkpoint handler at the snapshot point: the coordinator is not one.
        noClasses().that().resideInAPackage("io.weir.engine.runtime.checkpoint")
            .should().beAssignableTo(ShardCheckpointHandler.class)
            .check(engine);
    }

    @Test
    void shouldNotLetTheApiDependOnTheEngine()
    {
        classes().that().resideInAPackage("io.weir.api..")
            .should().onlyDependOnClassesThat().resideOutsideOfPackage("io.weir.engine..")
            .check(engine);
    }

    @Test
    void shouldNotNameRuntimeTypesInWhatApplicationsSee()
    {
        members().that().arePublic()
            .and().areDeclaredInClassesThat().arePublic()
            .and().areDeclaredInClassesThat().resideInAnyPackage("io.weir.api..", "io.weir.engine", "io.weir.engine.checkpoint")
            .should(nameNoRuntimeType())
            .check(engine);
        classes().that().arePublic()
            .and().resideInAnyPackage("io.weir.api..", "io.weir.engine", "io.weir.engine.checkpoint")
            .should(extendNoRuntimeType())
            .check(engine);
    }

    private static ArchCondition<JavaMember> nameNoRuntimeType()
    {
        return new ArchCondition<>("name no runtime type in a public signature")
        {
            public void check(final JavaMember member, final ConditionEvents events)
            {
                final List<JavaType> types = new ArrayList<>();
                if (member instanceof JavaCodeUnit)
                {
                    final JavaCodeUnit unit = (JavaCodeUnit)member;
                    types.add(unit.getReturnType());
                    types.addAll(unit.getParameterTypes());
                    unit.getThrowsClause().getTypes().forEach(types::add);
                }
                else if (member instanceof JavaField)
                {
                    types.add(((JavaField)member).getType());
                }
                for (final JavaClass named : involved(types))
                {
                    if (RUNTIME.test(named))
                    {
                        events.add(SimpleConditionEvent.violated(member,
                            member.getFullName() + " names runtime type " + named.getName()));
                    }
                }
            }
        };
    }

    private static ArchCondition<JavaClass> extendNoRuntimeType()
    {
        return new ArchCondition<>("extend or implement no runtime type")
        {
            public void check(final JavaClass type, final ConditionEvents events)
            {
                final List<JavaType> types = new ArrayList<>();
                type.getSuperclass().ifPresent(types::add);
                types.addAll(type.getInterfaces());
                for (final JavaClass named : involved(types))
                {
                    if (RUNTIME.test(named))
                    {
                        events.add(SimpleConditionEvent.violated(type,
                            type.getName() + " extends or implements runtime type " + named.getName()));
                    }
                }
            }
        };
    }

    private static Set<JavaClass> involved(final List<JavaType> types)
    {
        final Set<JavaClass> classes = new LinkedHashSet<>();
        for (final JavaType type : types)
        {
            classes.addAll(type.getAllInvolvedRawTypes());
        }
        return classes;
    }
}
