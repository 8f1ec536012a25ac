module github.com/diagnose-operator/diagnose-operator/hack/e2e/pause

go 1.24
