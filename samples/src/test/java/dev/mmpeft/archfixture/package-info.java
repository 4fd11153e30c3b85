/**
 * Deliberately bad classes for the module boundary test: they break the rules on purpose, so
 * the test can show that the rules are enforced. Never used by anything else.
 */
@NullMarked
package dev.mmpeft.archfixture;

import org.jspecify.annotations.NullMarked;
