module github.com/nervelab/nerve

go 1.26
