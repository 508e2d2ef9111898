#!/usr/bin/env bash
# Data sets for CI: Fashion-MNIST from its public mirror (checksums verified by the reader),
# the ASOS brief's TSVs from the team's bucket (not public).
set -euo pipefail
dest="$1"
mkdir -p "$dest/fashion-mnist" "$dest/asos"
base=https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    curl -fsSL -o "$dest/fashion-mnist/$f.gz" "$base/$f.gz"
done
cat > "$dest/fashion-mnist/SHA256SUMS.uncompressed" <<'SUMS'
5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b  t10k-images-idx3-ubyte
0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34  t10k-labels-idx1-ubyte
c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888  train-images-idx3-ubyte
bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9  train-labels-idx1-ubyte
SUMS
aws s3 cp --recursive "s3://${DATA_BUCKET:?set the DATA_BUCKET secret}/asos/" "$dest/asos/"
