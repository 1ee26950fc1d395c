//go:build tools

// This file is never built. It names the ASO API packages that main.go loads from source (through
// controller-tools' package loader), so that `go mod tidy` keeps ASO and every module those
// packages import in go.mod and go.sum.
package main

import (
	_ "github.com/Azure/azure-service-operator/v2/api/containerservice/v1api20240402preview"
	_ "github.com/Azure/azure-service-operator/v2/api/containerservice/v1api20240402preview/storage"
	_ "github.com/Azure/azure-service-operator/v2/api/containerservice/v1api20240901"
	_ "github.com/Azure/azure-service-operator/v2/api/containerservice/v1api20240901/storage"
	_ "github.com/Azure/azure-service-operator/v2/api/containerservice/v1api20250301"
	_ "github.com/Azure/azure-service-operator/v2/api/containerservice/v1api20250301/storage"
	_ "github.com/Azure/azure-service-operator/v2/api/containerservice/v1api20250801"
	_ "github.com/Azure/azure-service-operator/v2/api/containerservice/v1api20250801/storage"
	_ "github.com/Azure/azure-service-operator/v2/api/containerservice/v20251002preview"
	_ "github.com/Azure/azure-service-operator/v2/api/containerservice/v20251002preview/storage"
	_ "github.com/Azure/azure-service-operator/v2/api/resources/v1api20200601"
	_ "github.com/Azure/azure-service-operator/v2/api/resources/v1api20200601/storage"
)
