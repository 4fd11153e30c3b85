/** Test fixtures for the PEFT machinery: a small model built from the SDK's nn blocks. */
@NullMarked
package dev.mmpeft.peft.testing;

import org.jspecify.annotations.NullMarked;
