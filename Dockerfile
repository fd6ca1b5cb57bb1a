# The sluice-controller image.
#
#   docker build -t ghcr.io/sluice-dev/sluice-controller:v0.1.0 --build-arg VERSION=v0.1.0 .
#
# Multi-platform: docker buildx build --platform linux/amd64,linux/arm64 ... (the Go
# compiler cross-compiles; the build stage always runs on the builder's own platform).

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS=linux
ARG TARGETARCH=amd64
# VERSION is stamped into pkg/version.Version (what --version and the logs print).
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath \
      -ldflags "-s -w -X github.com/sluice-dev/sluice/pkg/version.Version=${VERSION}" \
      -o /out/sluice-controller ./cmd/sluice-controller

# distroless/static: no shell, no package manager, CA certificates and /etc/passwd only.
FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/sluice-controller /sluice-controller
# The "nonroot" user of distroless; manifests/base/deployment.yaml runs as the same ids.
USER 65532:65532
ENTRYPOINT ["/sluice-controller"]
