/** Test helpers: a tiny real model and synthetic data for trainer tests. */
@NullMarked
package dev.mmpeft.core.train.testing;

import org.jspecify.annotations.NullMarked;
