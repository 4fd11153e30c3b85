/**
 * How a PEFT method plugs into the SDK: a {@link dev.mmpeft.peft.spi.PeftMethod} (its config's
 * {@code peft_type}, its {@code adapter_config.json} mapping, its plan and its layers), registered
 * with {@code META-INF/services/dev.mmpeft.peft.spi.PeftMethod}.
 *
 * <p>Why an SPI: adding a method (IA3, bottleneck adapters, prefix tuning, ...) should mean adding
 * its config, its layer and its format entry in a package of its own, and nothing else. The
 * method-neutral machinery (the shared frozen twin, named adapters, activation, full-trained
 * tensors, saving and loading, counting) calls methods only through these types.
 */
@NullMarked
package dev.mmpeft.peft.spi;

import org.jspecify.annotations.NullMarked;
