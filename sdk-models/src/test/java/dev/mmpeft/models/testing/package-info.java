/** Test helpers: golden cases written by the numpy reference. */
@NullMarked
package dev.mmpeft.models.testing;

import org.jspecify.annotations.NullMarked;
