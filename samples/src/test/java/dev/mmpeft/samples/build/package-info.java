/** Tests of the build itself: package documentation, module names, the samples built like a user project. */
@NullMarked
package dev.mmpeft.samples.build;

import org.jspecify.annotations.NullMarked;
