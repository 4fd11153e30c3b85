package dev.mmpeft.core;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.immutables.value.Value;

/**
 * The one Immutables style of the SDK: abstract value types {@code Foo} get a generated
 * {@code ImmutableFoo} with a builder, {@code withX(..)} copies and record-style accessors.
 *
 * <p>Put it on a package-info (or a type) that declares {@code @Value.Immutable} types, so every
 * value object in the SDK looks and behaves the same way to users.
 */
@Target({ElementType.PACKAGE, ElementType.TYPE})
@Retention(RetentionPolicy.CLASS)
@Value.Style(
        typeImmutable = "Immutable*",
        visibility = Value.Style.ImplementationVisibility.PUBLIC,
        builderVisibility = Value.Style.BuilderVisibility.PUBLIC,
        defaults = @Value.Immutable(copy = true),
        jdkOnly = false,
        optionalAcceptNullable = true)
public @interface MmpeftStyle {}
