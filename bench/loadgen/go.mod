module volley.dev/bench/loadgen

go 1.19
