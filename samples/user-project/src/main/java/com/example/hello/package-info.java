/** A user's first program on mmpeft, built against the SDK's BOM only. */
@NullMarked
package com.example.hello;

import org.jspecify.annotations.NullMarked;
