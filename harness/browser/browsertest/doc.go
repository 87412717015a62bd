// Package browsertest shares one Chromium ([browser.Browser]) between the
// tests of a test binary and saves what a failed browser test leaves behind.
// It imports package testing, so only tests import it: the binaries link
// package browser alone.
//
// [Shared] starts the browser on first use and closes it after the tests
// ([Shared.Run] in TestMain); [Shared.Page] opens a tab per test, fails the
// test on an uncaught JavaScript exception (unless the page allows them:
// [browser.Page.AllowExceptions]) and, when the test failed, saves a
// screenshot and the console log under
// <module root>/testdata/failures/<TestName>/ ([SaveFailureArtifacts]).
// A missing Chromium skips the test unless ECHTZEIT_REQUIRE_BROWSER is set
// ([LaunchForTest] too).
package browsertest
