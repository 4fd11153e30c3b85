/** Test support shared by every module's tests (published as sdk-core's test-jar). */
package dev.mmpeft.core.testing;
