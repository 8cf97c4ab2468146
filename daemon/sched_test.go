package daemon

import "runtime"

func runtimeGosched() { runtime.Gosched() }
