# nlpmtl worker image: `serve` by default; the same image runs `train`/`export` as a Container Apps job.
#   docker build -t nlpmtl .
#   docker run -e Storage__ConnectionString=... -e Inference__BundlePath=/models/bundle -v /path/models:/models nlpmtl
#   docker run --rm nlpmtl demo --storage "<connection string>"   # the demo, on an Azurite container (docs/operations.md)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files only, so source edits don't invalidate the package layer.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/NlpMtl.Core/NlpMtl.Core.csproj src/NlpMtl.Core/
COPY src/NlpMtl.Modeling/NlpMtl.Modeling.csproj src/NlpMtl.Modeling/
COPY src/NlpMtl.Training/NlpMtl.Training.csproj src/NlpMtl.Training/
COPY src/NlpMtl.Onnx/NlpMtl.Onnx.csproj src/NlpMtl.Onnx/
COPY src/NlpMtl.Inference/NlpMtl.Inference.csproj src/NlpMtl.Inference/
COPY src/NlpMtl.Queue/NlpMtl.Queue.csproj src/NlpMtl.Queue/
COPY src/NlpMtl.Worker/NlpMtl.Worker.csproj src/NlpMtl.Worker/
# linux-x64 only: the portable publish also carries libtorch and ONNX Runtime for Windows, macOS and other Linux
# targets (the publish folder measured 1.8 GB portable, 1.1 GB for linux-x64; docs/operations.md).
RUN dotnet restore src/NlpMtl.Worker/NlpMtl.Worker.csproj -r linux-x64
COPY src/ src/
# Shipped beside nlpmtl by its project (configs for the training job and the demo, their samples and tokenizers).
COPY configs/ configs/
COPY samples/ samples/
COPY tokenizers/ tokenizers/
RUN dotnet publish src/NlpMtl.Worker/NlpMtl.Worker.csproj -c Release -r linux-x64 --self-contained false --no-restore -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0 AS final
WORKDIR /app
COPY --from=build /app ./
COPY appsettings.json ./
ENV DOTNET_ENVIRONMENT=Production
# The base image's non-root user.
USER $APP_UID
ENTRYPOINT ["dotnet", "/app/nlpmtl.dll"]
CMD ["serve"]
