/**
 * The vocabulary every mmpeft module shares: {@link dev.mmpeft.core.Component} (what a PEFT
 * method targets), {@link dev.mmpeft.core.Device}/{@link dev.mmpeft.core.Devices} (where it
 * runs), {@link dev.mmpeft.core.MultimodalExample} (what datasets produce) and
 * {@link dev.mmpeft.core.Prompt} (what templates make of it for a model).
 */
@NullMarked
@MmpeftStyle
package dev.mmpeft.core;

import org.jspecify.annotations.NullMarked;
