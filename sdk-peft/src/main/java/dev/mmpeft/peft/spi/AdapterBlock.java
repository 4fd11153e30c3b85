package dev.mmpeft.peft.spi;

/**
 * Marks a block that an adapter added to the model ({@code lora_A}, {@code ia3_l}, ...), so that
 * the base architecture's modules (what targets match against) never include adapters' own blocks.
 */
public interface AdapterBlock {}
